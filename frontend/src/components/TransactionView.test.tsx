import { screen } from '@testing-library/react';
import { ScopeProvider } from '../org/scope';
import { renderApp } from '../test/render';
import type { Transaction } from '../api/tss';
import { TransactionView } from './TransactionsTable';

const tx: Transaction = {
  _id: 't1', _type: 'TRANSACTION', _env: 'TEST', _version: '2.3.4', tss_id: 's1', tss_serial_number: 'abc', client_id: 'c1', client_serial_number: 'KASSE-01', state: 'FINISHED', number: 7, revision: 2, latest_revision: 2,
  time_start: 1764590400, time_end: 1764590401,
  schema: { standard_v1: { receipt: { receipt_type: 'RECEIPT', amounts_per_vat_rate: [{ vat_rate: 'NORMAL', amount: '10.00' }, { vat_rate: 'REDUCED_1', amount: '1.07' }], amounts_per_payment_type: [{ payment_type: 'CASH', amount: '11.07' }] } } },
  qr_code_data: 'V0;serial;Kassenbeleg-V1;Beleg^10.00_1.07_0.00_0.00_0.00^11.07:Bar;7;20;2025-12-01T12:00:00.000Z;2025-12-01T12:00:01.000Z;ecdsa-plain-SHA256;unixTime;c2ln;a2V5',
  log: { operation: 'Finish', timestamp: 1764590401, timestamp_format: 'unixTime' },
  signature: { value: 'c2ln', algorithm: 'ecdsa-plain-SHA256', counter: 20, public_key: 'a2V5' },
};

const me = { organizations: [{ _id: 'o1', _type: 'ORGANIZATION' as const, _envs: ['TEST' as const], name: 'Vendor GmbH', role: 'owner' as const, member: true, created_at: 1, updated_at: 1 }], installation_admin: false };

describe('TransactionView', () => {
  it('shows the receipt with its total, the signature counter and the QR code of qr_code_data', () => {
    renderApp(<ScopeProvider me={me}><TransactionView tx={tx} /></ScopeProvider>);
    expect(screen.getByTestId('receipt')).toHaveTextContent('11.07');
    expect(screen.getByText('VAT NORMAL')).toBeInTheDocument();
    expect(screen.getByText(tx.qr_code_data!)).toBeInTheDocument();
    const qr = screen.getByTestId('receipt-qr');
    expect(qr.tagName.toLowerCase()).toBe('svg');
    // A QR code of this length has dozens of modules drawn as path data.
    expect(qr.querySelectorAll('path').length).toBeGreaterThan(0);
    expect(screen.getByRole('button', { name: 'Verify signature' })).toBeInTheDocument();
  });

  it('says the QR code comes with the finished transaction', () => {
    renderApp(<ScopeProvider me={me}><TransactionView tx={{ ...tx, state: 'ACTIVE', qr_code_data: undefined }} /></ScopeProvider>);
    expect(screen.getByText('The QR code exists once the transaction is finished.')).toBeInTheDocument();
  });
});
