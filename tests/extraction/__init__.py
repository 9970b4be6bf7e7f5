"""Tests of symlogic.extraction, one file per module."""
