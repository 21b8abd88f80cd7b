-- Endless aisle (门店缺货线上订): what a store adds to an order it places for a customer —
-- who placed it, the till's payment reference, whether the customer carried the goods out
-- at once, and the return it exchanges goods for. One row per order placed at a store.
CREATE TABLE placed_order (
    order_id TEXT PRIMARY KEY REFERENCES orders (id),
    store_code TEXT NOT NULL,
    staff_id TEXT NOT NULL,
    payment_ref TEXT NOT NULL,
    carry_out BIGINT NOT NULL,
    exchange_of TEXT,
    created_ms BIGINT NOT NULL
);
CREATE INDEX placed_order_store ON placed_order (store_code, created_ms);
CREATE INDEX placed_order_exchange ON placed_order (exchange_of);

-- The style availability look-up reads one style's SKUs, then their sellable balances
-- (stock_balance_sku): without this it scanned the whole SKU table.
CREATE INDEX sku_style ON sku (style_code);

-- A carry-out the shelf was short for names the orders whose reservations are now short:
-- from a reservation to its fulfillment line.
CREATE INDEX fulfillment_line_reservation ON fulfillment_line (reservation_id);
