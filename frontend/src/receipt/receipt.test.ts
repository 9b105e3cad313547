import { qrFields, receiptSummary } from './receipt';

describe('receiptSummary', () => {
  it('sums the VAT lines in cents and names the payments', () => {
    const s = receiptSummary({
      standard_v1: {
        receipt: {
          receipt_type: 'RECEIPT',
          amounts_per_vat_rate: [
            { vat_rate: 'NORMAL', amount: '0.10' },
            { vat_rate: 'REDUCED_1', amount: '0.20' },
          ],
          amounts_per_payment_type: [{ payment_type: 'CASH', amount: '0.30', currency_code: 'EUR' }],
        },
      },
    });
    expect(s.kind).toBe('receipt');
    expect(s.receiptType).toBe('RECEIPT');
    // 0.1 + 0.2 in floating point is 0.30000000000000004; in cents it is 30.
    expect(s.total).toBe('0.30');
    expect(s.payments).toEqual([{ label: 'CASH (EUR)', amount: '0.30' }]);
  });

  it('tells orders and other process types apart from receipts', () => {
    expect(receiptSummary({ standard_v1: { order: { line_items: [] } } }).kind).toBe('order');
    expect(receiptSummary({ raw: { process_type: 'x', process_data: '' } }).kind).toBe('other');
    expect(receiptSummary(undefined)).toEqual({ kind: 'other', vat: [], payments: [] });
  });
});

describe('qrFields', () => {
  it('splits the QR data at its separators', () => {
    expect(qrFields('V0;serial;Kassenbeleg-V1;Beleg^0.00_0.00_0.00_0.00_0.00^;1;2;t1;t2;ecdsa-plain-SHA256;unixTime;sig;key')).toHaveLength(12);
  });
});
