"""What a learner sees: widgets, SVG and matplotlib pictures, the study guide's questions and cards.

Views draw what the reference and the models compute; nothing below them imports a view, and
the exercise checks never do. :mod:`attnlab.views.widgets` gathers the interactive widgets.
"""
