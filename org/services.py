"""Writes of org: functions named ``<entity>_<action>`` with keyword-only arguments."""
