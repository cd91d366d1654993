"""Writes of aftersales: functions named ``<entity>_<action>`` with keyword-only arguments."""
