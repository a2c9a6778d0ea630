"""Rhythm detection."""
