import { expect } from 'chai';
import { LocalFlavorCatalog, parseLocalFlavors } from '../../../../controller/compute/local-flavors.js';
import { ConfigError } from '../../../../shared/errors/index.js';
import { defaultConfig } from '../../../../shared/config/index.js';

describe('LocalFlavorCatalog', () => {
  it('serves the flavors of [local_compute] flavors', async () => {
    const catalog = LocalFlavorCatalog.fromEntries(defaultConfig().local_compute.flavors);
    const flavors = await catalog.listFlavors();
    expect(flavors.map((flavor) => flavor.name)).to.deep.equal(['m1.tiny', 'm1.small', 'm1.medium', 'm1.large']);
    expect(await catalog.getFlavor('2')).to.deep.equal({ id: '2', name: 'm1.small', ram: 1024, vcpus: 1, disk: 5, ephemeral: 0 });
    expect(await catalog.getFlavor('99')).to.equal(undefined);
    expect(await catalog.listVolumeTypes()).to.deep.equal([]);
  });

  it('hands out copies, so callers cannot change the catalog', async () => {
    const catalog = LocalFlavorCatalog.fromEntries(['7:x:512:1:1']);
    const flavor = await catalog.getFlavor('7');
    flavor!.ram = 1;
    expect((await catalog.getFlavor('7'))!.ram).to.equal(512);
  });

  it('rejects malformed, zero-sized and duplicate entries with the entry named', () => {
    expect(() => parseLocalFlavors(['1:tiny:512:1'])).to.throw(ConfigError, "'1:tiny:512:1'");
    expect(() => parseLocalFlavors(['1:tiny:abc:1:1'])).to.throw(ConfigError);
    expect(() => parseLocalFlavors(['1:tiny:0:1:1'])).to.throw(ConfigError, 'at least 1');
    expect(() => parseLocalFlavors(['1:a:512:1:1', '1:b:512:1:1'])).to.throw(ConfigError, "duplicate flavor id '1'");
    expect(() => parseLocalFlavors(['1:a:512:1:1', '2:a:512:1:1'])).to.throw(ConfigError, "duplicate flavor name 'a'");
  });
});
