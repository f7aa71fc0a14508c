-- Commerce context (CH-2, CH-5, CH-6): the shop's products and orders, what each
-- conversation was opened about, and handoffs to third-party fulfilment partners.
-- Money is integer fen; times are epoch milliseconds (UTC).

CREATE TABLE products (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    image_url TEXT,
    -- JSON object of text attributes.
    attributes TEXT NOT NULL DEFAULT '{}',
    -- JSON of the fulfilment partner (CH-5); NULL when the shop fulfils it itself.
    partner TEXT,
    -- JSON array of SKUs: code, name, price_fen, stock.
    skus TEXT NOT NULL,
    -- The lowest SKU price and the total stock, for lists.
    price_fen BIGINT NOT NULL,
    stock BIGINT NOT NULL,
    -- Hash of everything above: an import that changes nothing writes nothing.
    content_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (tenant_id, code)
);
CREATE INDEX products_category ON products (tenant_id, category);

CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    order_no TEXT NOT NULL,
    -- The shop's (platform's) member id: the `sub` of the shop's signed tokens.
    buyer_id TEXT NOT NULL,
    buyer_name TEXT NOT NULL,
    placed_at BIGINT NOT NULL,
    -- JSON array of items, as shown on cards.
    items TEXT NOT NULL,
    total_fen BIGINT NOT NULL,
    paid_fen BIGINT NOT NULL,
    payment_status TEXT NOT NULL,
    shipping_status TEXT NOT NULL,
    after_sale_status TEXT NOT NULL,
    logistics_company TEXT,
    tracking_no TEXT,
    content_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (tenant_id, order_no)
);
CREATE INDEX orders_buyer ON orders (tenant_id, buyer_id, placed_at);
-- The platform's official desk looks a member's orders up across shops.
CREATE INDEX orders_member ON orders (buyer_id, placed_at);

-- One row per order line, for questions by product (reports, anomaly alerts).
CREATE TABLE order_items (
    order_id TEXT NOT NULL REFERENCES orders(id),
    line BIGINT NOT NULL,
    tenant_id TEXT NOT NULL,
    product_code TEXT NOT NULL,
    sku_code TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    unit_price_fen BIGINT NOT NULL,
    PRIMARY KEY (order_id, line)
);
CREATE INDEX order_items_product ON order_items (tenant_id, product_code);

-- JSON of what the conversation is about (order, product, live room, creator).
ALTER TABLE conversations ADD COLUMN context TEXT NOT NULL DEFAULT '{}';

-- A case handed to a fulfilment partner (CH-5), tracked to its deadline.
CREATE TABLE handoff_cases (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    order_no TEXT NOT NULL,
    partner_name TEXT NOT NULL,
    handoff_url TEXT NOT NULL,
    -- JSON object: the order fields the partner received.
    shared TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    due_at BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    closed_at BIGINT,
    UNIQUE (tenant_id, conversation_id, order_no)
);
CREATE INDEX handoff_cases_due ON handoff_cases (tenant_id, status, due_at);
