"""Geometric verbs (maup style, one module per verb): ``repair``, ``intersections``, ``assign``.

Used by the data build and by uploads; they know nothing about stores, scenarios or the web.
"""
