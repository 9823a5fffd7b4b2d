"""Telegram user accounts (Telethon): the channel and what serves it.

channel   the sync `Channel` an engine worker sends through (exactly once by random_id)
client    how a Telethon client is built: options, proxy, the factory
errors    Telethon errors mapped to send results and account problems
gateway   the Redis link between engine workers and the process owning the sessions
host      the long-lived sessions of the process that owns them
inbound   live replies and polled history into inbound messages
login     the phone / code / password login flow
loop      the event-loop thread the clients run on
resolve   recipients to Telegram peers
server    the gateway process's core: claims shards, serves workers' requests
send      the wire format of one send: length limits, the raw request, the message id
sessions  where the owning process gets sessions (account row -> channel), its ports
wire      JSON forms of the channel contract, between engine workers and the gateway
"""
