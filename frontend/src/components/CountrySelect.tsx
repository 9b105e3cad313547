import { type ComboboxItem, type OptionsFilter, Select, type SelectProps } from '@mantine/core';
import { memo, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { countries } from './countries';

/** Finds a country by its name in the UI language or its code: "Deutschland", "germ", "DEU" and "de" all find Germany. */
export const countryFilter: OptionsFilter = ({ options, search }) => {
  const q = search.trim().toLowerCase();
  if (!q) return options;
  const items = options as ComboboxItem[];
  const starts = items.filter((o) => o.label.toLowerCase().startsWith(q) || o.value.toLowerCase() === q);
  const rest = items.filter((o) => !starts.includes(o) && (o.label.toLowerCase().includes(q) || o.value.toLowerCase().startsWith(q)));
  return [...starts, ...rest];
};

type Props = Omit<SelectProps, 'data'>;

/** The country of an address as the APIs want it (ISO 3166-1 alpha-3),
 * picked by name: nothing typed is silently turned into a code. */
export function CountrySelect(props: Props) {
  // A select of 250 countries is costly to render; a form re-renders on
  // every key typed anywhere in it, so it renders again only when what it
  // shows changes (the latest onChange is always the one called).
  const onChange = useRef(props.onChange);
  onChange.current = props.onChange;
  const stable = useMemo(() => ((v: string | null, o: ComboboxItem) => onChange.current?.(v, o)) as SelectProps['onChange'], []);
  return <CountrySelectView {...props} onChange={stable} />;
}

const CountrySelectView = memo(
  function CountrySelectView(props: Props) {
    const { t, i18n } = useTranslation();
    const lang = i18n.resolvedLanguage ?? 'en';
    const all = useMemo(() => countries(lang).map((c) => ({ value: c.code, label: c.name })), [lang]);
    // The 250 options exist only while the list is open; closed, the
    // select needs just the chosen one to show its name.
    const [open, setOpen] = useState(false);
    const data = open ? all : all.filter((c) => c.value === props.value);
    return (
      <Select
        onDropdownOpen={() => setOpen(true)}
        onDropdownClose={() => setOpen(false)}
        label={t('form.country')}
        searchable
        allowDeselect={false}
        nothingFoundMessage={t('form.noCountry')}
        filter={countryFilter}
        maxDropdownHeight={260}
        {...props}
        data={data}
      />
    );
  },
  (a, b) => a.value === b.value && a.error === b.error && a.readOnly === b.readOnly && a.disabled === b.disabled && a.withAsterisk === b.withAsterisk && a.variant === b.variant,
);
