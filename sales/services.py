"""Writes of sales: functions named ``<entity>_<action>`` with keyword-only arguments."""
