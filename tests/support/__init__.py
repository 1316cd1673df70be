"""Test helpers shared across the suite: fakes at our own seams and factories, one module per thing.

Fixtures live in the ``conftest.py`` files and tests in ``test_*.py``; nothing imports a conftest.
"""
