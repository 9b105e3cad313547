import { MantineProvider } from '@mantine/core';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import i18n from '../i18n';
import { countries } from './countries';
import { CountrySelect, countryFilter } from './CountrySelect';

function Form() {
  const [c, setC] = useState<string | null>('DEU');
  return (
    <MantineProvider>
      <CountrySelect value={c} onChange={setC} />
      <output data-testid="code">{c}</output>
    </MantineProvider>
  );
}

describe('CountrySelect', () => {
  it('lists every country once, by its name in the UI language', () => {
    const en = countries('en');
    expect(en).toHaveLength(250);
    expect(new Set(en.map((c) => c.code)).size).toBe(250);
    expect(en.find((c) => c.code === 'DEU')?.name).toBe('Germany');
    expect(countries('de').find((c) => c.code === 'DEU')?.name).toBe('Deutschland');
    expect(countries('de').find((c) => c.code === 'AUT')?.name).toBe('Österreich');
  });

  it('finds a country by name, part of it, or its code', () => {
    const options = countries('en').map((c) => ({ value: c.code, label: c.name }));
    const find = (search: string) => (countryFilter({ options, search, limit: 300 }) as { value: string }[]).map((o) => o.value);
    expect(find('germany')).toEqual(['DEU']);
    expect(find('DEU')[0]).toBe('DEU');
    expect(find('austr').slice(0, 2).sort()).toEqual(['AUS', 'AUT']);
    expect(find('Germany!')).toEqual([]);
  });

  it('turns a picked name into its code and never a typed word into one', async () => {
    render(<Form />);
    const input = screen.getByRole('combobox', { name: /^Country/ });
    expect(input).toHaveValue('Germany');
    await userEvent.clear(input);
    await userEvent.type(input, 'GER');
    // Typing alone changes nothing: the value stays a real country.
    expect(screen.getByTestId('code')).toHaveTextContent('DEU');
    await userEvent.clear(input);
    await userEvent.type(input, 'österr');
    expect(screen.queryByRole('option', { name: 'Austria', hidden: true })).toBeNull();
    await userEvent.clear(input);
    await userEvent.type(input, 'austr');
    // jsdom keeps Mantine's dropdown in its opening transition, so its options count as hidden.
    await userEvent.click(await screen.findByRole('option', { name: 'Austria', hidden: true }));
    expect(screen.getByTestId('code')).toHaveTextContent('AUT');
  }, 60_000);

  it('names the countries in German with the German UI', async () => {
    await i18n.changeLanguage('de');
    render(<Form />);
    expect(screen.getByRole('combobox', { name: /^Land/ })).toHaveValue('Deutschland');
  });
});
