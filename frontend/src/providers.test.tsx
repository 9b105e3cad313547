import { Button, Drawer, Modal } from '@mantine/core';
import { render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Providers, newQueryClient } from './providers';

// The page's CSP allows <style> elements only with the nonce of the
// csp-nonce meta element (backend/api/webguard.go). Every style the
// dashboard adds must carry it: Mantine's own and the one modals and
// drawers add to lock scrolling.
describe('CSP nonce', () => {
  afterEach(() => document.head.querySelector('meta[property="csp-nonce"]')?.remove());

  it('is on every style a modal and a drawer add', async () => {
    const meta = document.createElement('meta');
    meta.setAttribute('property', 'csp-nonce');
    meta.setAttribute('nonce', 'n0nce-1');
    document.head.appendChild(meta);
    render(
      <Providers client={newQueryClient()}>
        <Modal opened onClose={() => {}} title="Secret">shown once</Modal>
        <Drawer opened onClose={() => {}} title="Transaction"><Button>Verify</Button></Drawer>
      </Providers>,
    );
    expect(await screen.findByText('shown once')).toBeInTheDocument();
    const styles = [...document.querySelectorAll('style')];
    expect(styles.length).toBeGreaterThan(0);
    const without = styles.filter((s) => (s.nonce || s.getAttribute('nonce')) !== 'n0nce-1').map((s) => s.textContent?.slice(0, 80));
    expect(without).toEqual([]);
  });
});
