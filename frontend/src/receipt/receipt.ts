// Reading the standard_v1 schema of a transaction for display: what was
// sold at which VAT rate and how it was paid. Amounts stay strings with two
// decimals as the API sends them; sums are done in cents so they add up.

export interface AmountLine {
  label: string;
  amount: string;
}

export interface ReceiptSummary {
  kind: 'receipt' | 'order' | 'other';
  receiptType?: string;
  vat: AmountLine[];
  payments: AmountLine[];
  total?: string;
}

const cents = (s: string) => Math.round(parseFloat(s) * 100);
const money = (c: number) => (c / 100).toFixed(2);

export function receiptSummary(schema: unknown): ReceiptSummary {
  const std = (schema as { standard_v1?: Record<string, unknown> } | undefined)?.standard_v1;
  const r = std?.receipt as
    | {
        receipt_type?: string;
        amounts_per_vat_rate?: { vat_rate: string; amount: string }[];
        amounts_per_payment_type?: { payment_type: string; amount: string; currency_code?: string }[];
      }
    | undefined;
  if (!r) return { kind: std?.order ? 'order' : 'other', vat: [], payments: [] };
  const vat = (r.amounts_per_vat_rate ?? []).map((v) => ({ label: v.vat_rate, amount: v.amount }));
  const payments = (r.amounts_per_payment_type ?? []).map((p) => ({
    label: p.currency_code ? `${p.payment_type} (${p.currency_code})` : p.payment_type,
    amount: p.amount,
  }));
  const total = vat.length ? money(vat.reduce((s, v) => s + cents(v.amount), 0)) : undefined;
  return { kind: 'receipt', receiptType: r.receipt_type, vat, payments, total };
}

/** The fields of the receipt QR code (DSFinV-K/AEAO: V0;serial;type;data;number;counter;start;end;algorithm;format;signature;key). */
export function qrFields(qr: string): string[] {
  return qr.split(';');
}
