"""Accounts, credentials and authorization of the web app.

- :mod:`api.safety.auth.passwords` — Argon2 password hashes (pwdlib);
- :mod:`api.safety.auth.credentials` — random secrets (API tokens, sessions, share links, one-time
  login links) and their stored hashes;
- :mod:`api.safety.auth.accounts` — what a store keeps about users, credentials and the audit log
  (:class:`~api.safety.auth.accounts.AccountStore`) and its SQLite implementation;
- :mod:`api.safety.auth.principal` — who is asking (bearer token, session cookie, share link) and
  the
  CSRF rules for cookie-authenticated requests;
- :mod:`api.safety.auth.policy` — the one policy table every route goes through.
"""
