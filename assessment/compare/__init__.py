"""Coordinators' views across cities: round dashboard, city comparison, progress, exports."""
