-- Courier dispatch (issue 12): bookings with the express and same-city platforms, every
-- callback they sent, the task outbox the courier worker claims, and the fees per
-- fulfillment order.

-- One row per booking attempt. The first attempt's id is the device's (its request's
-- booking_id); the dispatcher's re-bookings get ids of the server's. parcels and labels are
-- JSON ([Parcel], [ShippingLabel]); rider position in microdegrees; eta in Unix ms;
-- dispatch_no counts the dispatcher's bookings since the store's request (1 for the first).
CREATE TABLE courier_booking (
    id TEXT PRIMARY KEY,
    fulfillment_order_id TEXT NOT NULL REFERENCES fulfillment_order (id),
    node_code TEXT NOT NULL,
    method TEXT NOT NULL,
    service TEXT NOT NULL,
    platform TEXT NOT NULL DEFAULT '',
    attempt BIGINT NOT NULL,
    dispatch_no BIGINT NOT NULL DEFAULT 1,
    platform_order_no TEXT,
    status TEXT NOT NULL,
    problem TEXT,
    problem_detail TEXT,
    fee_fen BIGINT NOT NULL DEFAULT 0,
    tip_fen BIGINT NOT NULL DEFAULT 0,
    penalty_fen BIGINT NOT NULL DEFAULT 0,
    distance_m BIGINT,
    rider_name TEXT,
    rider_phone TEXT,
    rider_lat_e6 BIGINT,
    rider_lon_e6 BIGINT,
    rider_code TEXT,
    eta_ms BIGINT,
    parcels TEXT NOT NULL,
    labels TEXT NOT NULL DEFAULT '[]',
    cancel_requested BIGINT NOT NULL DEFAULT 0,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX courier_booking_attempt ON courier_booking (fulfillment_order_id, attempt);
CREATE INDEX courier_booking_platform_no ON courier_booking (platform, platform_order_no);

-- Every verified callback (status push) a platform sent, with what it did (applied, or
-- repeated: a status the booking had already passed); refused ones are only logged.
CREATE TABLE courier_callback (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform TEXT NOT NULL,
    booking_id TEXT NOT NULL REFERENCES courier_booking (id),
    platform_status TEXT NOT NULL,
    status TEXT,
    outcome TEXT NOT NULL,
    body TEXT NOT NULL,
    received_ms BIGINT NOT NULL
);
CREATE INDEX courier_callback_booking ON courier_callback (booking_id, id);

-- The courier worker's outbox: calls to the platforms (book, cancel, track), written in the
-- transaction of the change that needs them, claimed with a lease, acknowledged when done.
-- One task of a kind per booking.
CREATE TABLE courier_task (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL,
    booking_id TEXT NOT NULL REFERENCES courier_booking (id),
    due_ms BIGINT NOT NULL,
    tries BIGINT NOT NULL DEFAULT 0,
    claimed_ms BIGINT,
    claim_token TEXT,
    done_ms BIGINT,
    last_error TEXT,
    created_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX courier_task_once ON courier_task (kind, booking_id);
CREATE INDEX courier_task_due ON courier_task (done_ms, due_ms);

-- What the platforms charged per fulfillment order: the delivery fee and tip of a booking
-- that collected the parcel, the cancellation fee (penalty) of one cancelled after a rider
-- took it. One of a kind per booking.
CREATE TABLE courier_fee (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fulfillment_order_id TEXT NOT NULL REFERENCES fulfillment_order (id),
    booking_id TEXT NOT NULL REFERENCES courier_booking (id),
    platform TEXT NOT NULL,
    kind TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX courier_fee_once ON courier_fee (booking_id, kind);
CREATE INDEX courier_fee_fulfillment ON courier_fee (fulfillment_order_id);

-- Whether the fulfillment order's goods have left the store's stock (and its fulfillment fee
-- was credited): set when they leave, cleared when they come back. The one guard every path
-- that moves them (the associate's hand-over, a platform's pickup or return callback, even
-- on an order HQ cancelled meanwhile) goes through, so they leave and come back once each.
ALTER TABLE fulfillment_order ADD COLUMN goods_left BIGINT NOT NULL DEFAULT 0;
UPDATE fulfillment_order SET goods_left = 1 WHERE state IN ('picked_up', 'dispatched', 'delivered');
