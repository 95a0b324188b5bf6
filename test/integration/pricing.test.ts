/**
 * Location-based pricing (issue 15) on the deployed stack: `pricing_rule` records, price
 * resolution country > region > global over HTTP, and an order priced by it.
 * Every run uses its own skus, so reruns never collide.
 */
import { describe, expect, it } from 'vitest';
import { api } from './support/client.ts';

const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const SKU = `TEE-${run}`.toUpperCase();

interface Price {
  sku: string;
  currency: string;
  amount: number;
  level: string;
  region?: string;
  rule: { ref: string; version: number };
}
interface ErrorBody {
  error: { code: string; message: string; details?: { issues?: Array<{ path: string }>; sku?: string } };
}
interface Order {
  id: string;
  country?: string;
  items: Array<{
    sku: string;
    unit_price: number;
    priced_by?: { rule: string; level: string; version: number };
  }>;
}

const rule = async (name: string, custom_rules: Record<string, unknown>) =>
  api('PUT', `/api/metadata/pricing_rule/${name}`, { body: { metadata: { custom_rules } } });

const price = (q: string) => api<Price & ErrorBody>('GET', `/api/localization/prices?${q}`, { as: 'user' });

describe('location-based pricing', () => {
  it('resolves country over region over global, and prices an order by it', async () => {
    expect((await rule(`global-${run}`, { sku: SKU, currency: 'EUR', amount: 10 })).status).toBe(201);
    expect((await rule(`eu-${run}`, { sku: SKU, currency: 'EUR', amount: 9, region: 'eu' })).status).toBe(
      201,
    );
    expect((await rule(`fr-${run}`, { sku: SKU, currency: 'EUR', amount: 8, country: 'FR' })).status).toBe(
      201,
    );

    const fr = await price(`sku=${SKU}&currency=EUR&country=FR`);
    expect(fr.status).toBe(200);
    expect(fr.body).toMatchObject({ amount: 8, level: 'country', rule: { ref: `pricing_rule/fr-${run}` } });
    const de = await price(`sku=${SKU}&currency=EUR&country=DE`);
    expect(de.body).toMatchObject({
      amount: 9,
      level: 'region',
      region: 'eu',
      rule: { ref: `pricing_rule/eu-${run}` },
    });
    const us = await price(`sku=${SKU}&currency=EUR&country=US`);
    expect(us.body).toMatchObject({
      amount: 10,
      level: 'global',
      rule: { ref: `pricing_rule/global-${run}` },
    });
    const none = await price(`sku=${SKU}&currency=EUR`);
    expect(none.body).toMatchObject({ amount: 10, level: 'global' });

    // An order without unit_price gets the buyer's country price and the rule that priced it.
    const order = await api<Order>('POST', '/api/orders', {
      body: {
        customer_id: `usr_${run}`,
        currency: 'EUR',
        country: 'DE',
        items: [
          { sku: SKU, quantity: 2 },
          { sku: 'MUG', quantity: 1, unit_price: 4.5 },
        ],
      },
    });
    expect(order.status).toBe(201);
    expect(order.body.country).toBe('DE');
    expect(order.body.items[0]).toMatchObject({
      sku: SKU,
      unit_price: 9,
      priced_by: { rule: `pricing_rule/eu-${run}`, level: 'region', version: 1 },
    });
    expect(order.body.items[1]).toEqual({ sku: 'MUG', quantity: 1, unit_price: 4.5 });
    const stored = await api<Order>('GET', `/api/orders/${order.body.id}`);
    expect(stored.body.items[0]?.unit_price).toBe(9);

    // A PATCH adding an unpriced item prices it for the stored order's country.
    const patched = await api<Order>('PATCH', `/api/orders/${order.body.id}`, {
      body: { items: [{ sku: SKU, quantity: 1 }] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.items[0]).toMatchObject({ unit_price: 9, priced_by: { level: 'region' } });
  });

  it('answers 404 naming the sku when no rule applies, and 400 for bad input', async () => {
    await rule(`only-fr-${run}`, { sku: `${SKU}-X`, currency: 'EUR', amount: 5, country: 'FR' });
    const missing = await price(`sku=${SKU}-X&currency=EUR&country=DE`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toContain(`${SKU}-X`);
    expect(missing.body.error.details?.sku).toBe(`${SKU}-X`);
    expect((await price(`sku=${SKU}-X&currency=USD&country=FR`)).status).toBe(404);

    const bad = await price(`sku=${SKU}&currency=eur&country=France`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details?.issues?.map((i) => i.path).sort()).toEqual([
      'query.country',
      'query.currency',
    ]);

    // A pricing rule that is not a rule is refused by the records service, naming the field.
    const both = await rule(`bad-${run}`, {
      sku: SKU,
      currency: 'EUR',
      amount: 1,
      country: 'FR',
      region: 'eu',
    });
    expect(both.status).toBe(400);
    const negative = await rule(`bad-${run}`, { sku: SKU, currency: 'EUR', amount: -1, region: 'mars' });
    expect((negative.body as unknown as ErrorBody).error.details?.issues?.map((i) => i.path).sort()).toEqual([
      'metadata.custom_rules.amount',
      'metadata.custom_rules.region',
    ]);

    // An order item no rule prices: 400 naming the item; a client-set priced_by: 400.
    const unpriced = await api<ErrorBody>('POST', '/api/orders', {
      body: {
        customer_id: 'usr_1',
        currency: 'EUR',
        country: 'DE',
        items: [{ sku: `${SKU}-X`, quantity: 1 }],
      },
    });
    expect(unpriced.status).toBe(400);
    expect(unpriced.body.error.details?.issues?.[0]?.path).toBe('items[0].unit_price');
    const spoofed = await api<ErrorBody>('POST', '/api/orders', {
      body: {
        customer_id: 'usr_1',
        currency: 'EUR',
        items: [
          {
            sku: SKU,
            quantity: 1,
            unit_price: 1,
            priced_by: { rule: 'pricing_rule/x', version: 1, level: 'country' },
          },
        ],
      },
    });
    expect(spoofed.status).toBe(400);
    expect(spoofed.body.error.details?.issues?.[0]?.path).toBe('items[0].priced_by');
  });
});
