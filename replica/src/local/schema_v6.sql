-- Version 6: ship from store and same-city delivery.
-- The parcels an order is being packed into, kept until it is handed to the courier so an
-- app restart in the middle of packing loses nothing: weight in grams (0: not weighed yet)
-- and the units of each fulfillment line in it (lines: JSON [{line_no, qty}]).
CREATE TABLE pack_parcel (
    fulfillment_order_id TEXT NOT NULL,
    parcel_no INTEGER NOT NULL,
    weight_g INTEGER NOT NULL DEFAULT 0,
    lines TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (fulfillment_order_id, parcel_no)
);
-- Bookings whose rider's arrival at the store this device has announced (once each).
CREATE TABLE rider_arrival_seen (booking_id TEXT PRIMARY KEY, seen_ms INTEGER NOT NULL);
