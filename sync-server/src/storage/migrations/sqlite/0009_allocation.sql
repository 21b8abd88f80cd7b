-- Channel allocation (issue 13): HQ's allocation configuration, versioned (every change is
-- a new version; published quantities and switches name the one they used); which plan
-- (deep or shallow) is in force per SKU and every switch between them; units each channel
-- sold of a SKU per local day (daily caps); the published quantity per (channel, SKU) with
-- the channel's sequence number of its last change (the cursor-paged stock feed serves the
-- current row once, like the change log; on PostgreSQL numbered right after the commit, NULL
-- until then); and per channel its webhook (URL, signing
-- secret) and delivery state: the feed itself is the outbox, the webhook's delivered_seq
-- its acknowledgement, claimed with a lease.

CREATE TABLE allocation_config (
    version INTEGER PRIMARY KEY,
    document TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);

CREATE TABLE allocation_depth (
    sku_code TEXT PRIMARY KEY,
    rule_name TEXT NOT NULL,
    depth TEXT NOT NULL,
    since_ms INTEGER
);

CREATE TABLE allocation_switch (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sku_code TEXT NOT NULL,
    rule_name TEXT NOT NULL,
    config_version INTEGER NOT NULL,
    from_depth TEXT NOT NULL,
    to_depth TEXT NOT NULL,
    total_available INTEGER NOT NULL,
    threshold INTEGER NOT NULL,
    at_ms INTEGER
);
CREATE INDEX allocation_switch_sku ON allocation_switch (sku_code, id);

CREATE TABLE allocation_sold (
    channel TEXT NOT NULL,
    sku_code TEXT NOT NULL,
    local_day TEXT NOT NULL,
    qty INTEGER NOT NULL,
    PRIMARY KEY (channel, sku_code, local_day)
);

CREATE TABLE allocation_channel_seq (
    channel TEXT PRIMARY KEY,
    seq INTEGER NOT NULL
);
INSERT INTO allocation_channel_seq (channel, seq) VALUES
    ('tmall', 0), ('jd', 0), ('douyin', 0), ('mini_program', 0), ('employee_store', 0), ('outlet', 0);

CREATE TABLE allocation_published (
    channel TEXT NOT NULL,
    sku_code TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    exclusive INTEGER NOT NULL,
    depth TEXT NOT NULL,
    rule_name TEXT,
    config_version INTEGER NOT NULL,
    seq INTEGER,
    updated_ms INTEGER,
    PRIMARY KEY (channel, sku_code)
);
CREATE UNIQUE INDEX allocation_published_feed ON allocation_published (channel, seq);

CREATE TABLE allocation_webhook (
    channel TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    version INTEGER NOT NULL,
    delivered_seq INTEGER NOT NULL DEFAULT 0,
    due_ms INTEGER NOT NULL DEFAULT 0,
    tries INTEGER NOT NULL DEFAULT 0,
    claimed_ms INTEGER,
    claim_token TEXT,
    last_error TEXT,
    last_attempt_ms INTEGER,
    updated_ms INTEGER NOT NULL
);
