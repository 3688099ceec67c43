"""Journeys: one customer issue across interactions and channels, so nobody repeats themselves."""
