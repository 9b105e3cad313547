import { Avatar, type MantineSize } from '@mantine/core';
import { IconBuilding } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';

interface LogoOrg {
  _id: string;
  name: string;
  has_logo?: boolean;
  updated_at?: number;
}

/** The URL of an org's logo; its version changes with the org, so a new logo is not served from cache. */
export const logoURL = (o: LogoOrg) => `/api/v0/organizations/${o._id}/logo?v=${o.updated_at ?? 0}`;

/** An organization's logo, or a building where it has none (no request then). */
export function OrgLogo({ org, size = 'sm' }: { org: LogoOrg; size?: MantineSize | number }) {
  const { t } = useTranslation();
  if (!org.has_logo)
    return (
      <Avatar size={size} radius="sm" color="gray" variant="light" aria-hidden>
        <IconBuilding size="60%" stroke={1.6} />
      </Avatar>
    );
  return (
    <Avatar
      size={size}
      radius="sm"
      src={logoURL(org)}
      alt={t('logo.alt', { org: org.name })}
      imageProps={{ loading: 'lazy', style: { objectFit: 'contain' } }}
      styles={{ root: { background: 'white' } }}
      data-testid="org-logo"
    />
  );
}
