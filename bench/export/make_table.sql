-- The bench_common.py 20-column orders table, filled deterministically with
-- :rows rows (unicode text, ~5% NULL notes). psql -v rows=N -v tbl=NAME.
DROP TABLE IF EXISTS :tbl;
CREATE TABLE :tbl (
  row_id bigint, order_id bigint, customer_id integer, sku text, product_name text, category text,
  quantity integer, unit_price numeric(12,2), discount numeric(5,2), amount numeric(14,2),
  order_date date, ship_date date, created_at timestamp, updated_at timestamp,
  is_paid boolean, is_gift boolean, customer_name text, city text, notes text, shipping_cost numeric(10,2));
INSERT INTO :tbl
SELECT g, 5000000 + g, (g::bigint * 7919) % 50000,
       'SKU-' || lpad((g % 9973)::text, 5, '0'),
       (ARRAY['Widget', 'Gädget Pro', 'Łódź chair', 'Café table', 'Ölkanne', 'Straße sign', 'Tool kit', '台灯 lamp'])[1 + g % 8]
         || ' ' || (g % 500),
       (ARRAY['tools', 'home', 'garden', 'office', 'kitchen'])[1 + g % 5],
       1 + g % 20,
       round((4.99 + (g % 1000) * 0.37)::numeric, 2),
       CASE WHEN g % 10 = 0 THEN 0.15 ELSE 0 END,
       round(((1 + g % 20) * (4.99 + (g % 1000) * 0.37))::numeric, 2),
       date '2020-01-01' + (g % 1500), date '2020-01-03' + (g % 1500),
       timestamp '2020-01-01 08:00' + g * interval '37 seconds',
       timestamp '2020-01-02 09:30' + g * interval '41 seconds',
       g % 2 = 0, g % 17 = 0,
       (ARRAY['Anna Müller', 'François Dupont', 'Zoë Kowalska', 'José García', 'Jan Nowak', 'Søren Kierkegaard'])[1 + g % 6]
         || ' ' || g,
       (ARRAY['Zürich', 'Kraków', 'Malmö', 'São Paulo', 'Köln', 'Paris', 'Berlin'])[1 + g % 7],
       CASE WHEN g % 20 = 0 THEN NULL ELSE 'Please deliver to the back door, ring twice; ref ' || g END,
       round((2.5 + (g % 50) * 0.1)::numeric, 2)
FROM generate_series(1, :rows) AS g;
ANALYZE :tbl;
