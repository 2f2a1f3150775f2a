// Endpoint selection from the Keystone catalog (§1.1): type preference, interface, region, overrides, template.
import { describe, expect, it } from 'vitest';
import { fillProject, imageBase, selectEndpoint, templateEndpoint, type CatalogService } from '../../src/cloud/catalog';
import { Secret, type CloudConfig } from '../../src/cloud/config';
import { EndpointNotFoundError } from '../../src/cloud/errors';

const ep = (region: string, url: string, iface = 'public') => ({ interface: iface, region, url });
const svc = (type: string, ...endpoints: ReturnType<typeof ep>[]): CatalogService => ({ type, name: type, endpoints });

describe('selectEndpoint', () => {
  it('prefers volumev2 over evs/volumev3/block-storage/volume for EVS', () => {
    const catalog = [
      svc('volumev3', ep('eu-de', 'https://evs/v3/p')),
      svc('volume', ep('eu-de', 'https://evs/v1/p')),
      svc('volumev2', ep('eu-de', 'https://evs/v2/p/')),
    ];
    expect(selectEndpoint(catalog, 'evs')).toBe('https://evs/v2/p');
    expect(selectEndpoint([svc('block-storage', ep('r', 'https://bs/v3/p'))], 'evs')).toBe('https://bs/v3/p');
  });

  it('honours the interface', () => {
    const catalog = [svc('ecs', ep('eu-de', 'https://pub/v1/p'), ep('eu-de', 'https://int/v1/p', 'internal'))];
    expect(selectEndpoint(catalog, 'ecs')).toBe('https://pub/v1/p');
    expect(selectEndpoint(catalog, 'ecs', { interface: 'internal' })).toBe('https://int/v1/p');
    expect(() => selectEndpoint(catalog, 'ecs', { interface: 'admin' })).toThrow(EndpointNotFoundError);
  });

  it('picks the region; a single region needs none; several without one is an error listing them', () => {
    const catalog = [svc('image', ep('eu-de', 'https://ims.eu-de'), ep('eu-nl', 'https://ims.eu-nl'))];
    expect(selectEndpoint(catalog, 'ims', { region: 'eu-nl' })).toBe('https://ims.eu-nl');
    expect(selectEndpoint([svc('image', ep('eu-de', 'https://ims.eu-de'))], 'ims')).toBe('https://ims.eu-de');
    expect(() => selectEndpoint(catalog, 'ims')).toThrow(/several regions: eu-de, eu-nl; set the region \(OS_REGION_NAME/);
    expect(() => selectEndpoint(catalog, 'ims', { region: 'eu-ch2' })).toThrow(
      /region eu-ch2; offered: image\/public\/eu-de, image\/public\/eu-nl/,
    );
  });

  it('falls back to the next type when the preferred one is not in the region', () => {
    const catalog = [svc('volumev2', ep('eu-nl', 'https://nl/v2/p')), svc('volumev3', ep('eu-de', 'https://de/v3/p'))];
    expect(selectEndpoint(catalog, 'evs', { region: 'eu-de' })).toBe('https://de/v3/p');
  });

  it('explains a missing service', () => {
    expect(() => selectEndpoint([svc('compute', ep('r', 'https://nova'))], 'ecs')).toThrow(
      /no ECS endpoint .* none of these types is listed; set an endpoint override \(OS_ENDPOINT_OVERRIDE_ECS\)/,
    );
  });
});

describe('without a catalog (AK/SK)', () => {
  const cfg = (o: Partial<CloudConfig> = {}): CloudConfig => ({
    source: 'test',
    auth: { type: 'aksk', accessKey: new Secret('a'), secretKey: new Secret('s'), projectId: 'p1' },
    interface: 'public',
    endpointOverrides: {},
    region: 'eu-de',
    endpointTemplate: 'https://{service}.{region}.otc.t-systems.com',
    ...o,
  });

  it('fills the template with the service path of §1.1', () => {
    expect(templateEndpoint(cfg(), 'evs', 'p1')).toBe('https://evs.eu-de.otc.t-systems.com/v2/p1');
    expect(templateEndpoint(cfg(), 'ecs', 'p1')).toBe('https://ecs.eu-de.otc.t-systems.com/v1/p1');
    expect(templateEndpoint(cfg(), 'ims', 'p1')).toBe('https://ims.eu-de.otc.t-systems.com');
  });

  it('prefers overrides and explains a missing endpoint', () => {
    expect(templateEndpoint(cfg({ endpointOverrides: { evs: 'https://x/v2/%(project_id)s' } }), 'evs', 'p1')).toBe('https://x/v2/p1');
    expect(() => templateEndpoint(cfg({ endpointTemplate: undefined }), 'ims', 'p1')).toThrow(
      /OS_ENDPOINT_OVERRIDE_IMS or OS_ENDPOINT_TEMPLATE/,
    );
  });

  it('helpers', () => {
    expect(fillProject('https://h/v1/$(tenant_id)s/', 'p')).toBe('https://h/v1/p');
    expect(imageBase('https://ims/v2/')).toBe('https://ims');
    expect(imageBase('https://ims')).toBe('https://ims');
  });
});
