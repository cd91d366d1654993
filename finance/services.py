"""Writes of finance: functions named ``<entity>_<action>`` with keyword-only arguments."""
