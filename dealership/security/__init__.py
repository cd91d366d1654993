"""Logins, sessions and API tokens (issue #9): lockout after repeated failures (django-axes),
the log of logins (:class:`~dealership.security.models.SecurityEvent`), who may read it and
lift a lockout (:mod:`dealership.security.audience`, filled by apps), sessions that end when
idle, and signing a person out everywhere (:mod:`dealership.security.services`)."""
