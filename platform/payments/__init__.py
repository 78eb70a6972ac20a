"""Orders, payment providers (sandbox, Stripe), webhooks, fulfilment and refunds.

A visitor's choice on the result page becomes an ``Order`` of its venue: the credits are
reserved with the order's reference, the provider is asked for a payment outside any
credit transaction, and a verified payment event moves the order to paid. A job then
assigns the serial pieces (``credits.confirm_sale``), records the ``Fulfilment`` and
queues the receipt.
"""
