"""Writes of crm: functions named ``<entity>_<action>`` with keyword-only arguments."""
