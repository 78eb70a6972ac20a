"""Certificates: one signed certificate per fulfilled order, verifiable by anyone.

The payments domain issues a certificate in the same transaction that records an order's
fulfilment and voids it when the order is refunded. The signed payload (``signing``) is
what the QR code carries: Ed25519 over a few lines of UTF-8, so that any Ed25519 library
can check it without our server (``docs/certificates.md``); the public keys are published
with their key ids, old ones included, so that rotating the key voids nothing.
"""
