"""Sphinx's configuration of the course's site (make site; attnlab.course.site stages the sources).

Everything the pages load is local: the theme's assets, the course's CSS and MathJax 3 from npm."""

project = "attnlab"
author = "the attnlab authors"
html_title = "attnlab — attention in transformers"
extensions = ["myst_nb"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

# The stored outputs are shown as they are: nothing runs at build time.
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

html_theme = "sphinx_book_theme"
html_static_path = ["_static"]
html_css_files = ["attnlab.css"]
html_theme_options = {
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "navigation_with_keys": False,
}
html_show_sourcelink = False
html_copy_source = True

# MathJax 3, vendored (relative to _static): formulas render without a network.
mathjax_path = "mathjax/tex-chtml.js"
