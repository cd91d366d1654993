"""Daily, weekly and monthly follow-up, satisfaction and complaint reports."""
