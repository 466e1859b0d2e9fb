import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import {
  ErrorCode,
  HTTP_STATUS_BY_CODE,
  TroveError,
  faultNameForStatus,
  fromErrorShape,
  toTroveError,
  NotFoundError,
} from '../../../../shared/errors/index.js';
import { SERVICE_STATUS_INFO, serviceStatusFromCode, serviceStatusFromDescription } from '../../../../shared/models/index.js';

describe('error catalogue', () => {
  it('documents every code in docs/errors.md and nothing else', () => {
    const doc = readFileSync(new URL('../../../../../docs/errors.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1]);
    expect([...documented].sort()).to.deep.equal(Object.values(ErrorCode).sort());
    for (const code of Object.values(ErrorCode)) {
      expect(doc).to.match(new RegExp(`^\\| \`${code}\` \\| ${HTTP_STATUS_BY_CODE[code]} \\|`, 'm'));
    }
  });

  it("maps statuses to Trove's fault names", () => {
    expect(faultNameForStatus(404)).to.equal('itemNotFound');
    expect(faultNameForStatus(422)).to.equal('unprocessableEntity');
    expect(faultNameForStatus(413)).to.equal('overLimit');
    expect(faultNameForStatus(502)).to.equal('instanceFault');
  });

  it('round-trips through the wire shape and hides unknown failures', () => {
    const original = new NotFoundError('Instance x not found.', { id: 'x' });
    const rebuilt = fromErrorShape(JSON.parse(JSON.stringify(original.toShape())));
    expect(rebuilt.code).to.equal(ErrorCode.NOT_FOUND);
    expect(rebuilt.details).to.deep.equal({ id: 'x' });
    expect(fromErrorShape({ code: 'NOPE', message: 'm' }).code).to.equal(ErrorCode.INTERNAL_ERROR);
    expect(fromErrorShape('garbage').message).to.equal('Remote error.');
    const wrapped = toTroveError(new Error('SELECT * FROM secrets failed'));
    expect(wrapped).to.be.instanceOf(TroveError);
    expect(wrapped.message).not.to.contain('SELECT');
  });
});

describe('service statuses', () => {
  it('resolves descriptions and codes like Trove, including the shared 0x22', () => {
    expect(serviceStatusFromDescription('failed to spawn')).to.equal('FAILED');
    expect(serviceStatusFromDescription('healthy')).to.equal('HEALTHY');
    expect(serviceStatusFromDescription('nonsense')).to.equal(undefined);
    expect(serviceStatusFromCode(0x22)).to.equal('RESTARTING');
    expect(serviceStatusFromCode(0x21)).to.equal('HEALTHY');
  });

  it('has unique codes except the documented UPGRADING/RESTARTING pair', () => {
    const seen = new Map<number, string[]>();
    for (const [name, info] of Object.entries(SERVICE_STATUS_INFO)) seen.set(info.code, [...(seen.get(info.code) ?? []), name]);
    const shared = [...seen.values()].filter((names) => names.length > 1);
    expect(shared).to.deep.equal([['UPGRADING', 'RESTARTING']]);
  });
});
