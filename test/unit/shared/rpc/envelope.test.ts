import { expect } from 'chai';
import { ErrorCode } from '../../../../shared/errors/index.js';
import {
  decodeEnvelope,
  decodeFailure,
  encodeEnvelope,
  encodeFailure,
  MessageRejectedError,
  newMessageId,
  packContext,
  readRequestHeader,
  unpackContext,
  writeRequestHeader,
} from '../../../../shared/rpc/index.js';

describe('oslo envelope', () => {
  it('double-encodes the inner message under oslo.version 2.0', () => {
    const inner = { ...writeRequestHeader({ method: 'get_user', version: '1.0', uniqueId: 'u1', msgId: 'm1', replyQueue: 'reply_x' }), args: { username: 'a' } };
    const body = encodeEnvelope(inner);
    const outer = JSON.parse(body) as Record<string, unknown>;
    expect(outer['oslo.version']).to.equal('2.0');
    expect(outer['oslo.message']).to.be.a('string');
    expect(JSON.parse(outer['oslo.message'] as string)).to.deep.equal({
      method: 'get_user', version: '1.0', _unique_id: 'u1', _msg_id: 'm1', _reply_q: 'reply_x', _timeout: null, args: { username: 'a' },
    });
    expect(decodeEnvelope(body)).to.deep.equal(inner);
  });

  it('accepts a bare message and reads its header', () => {
    const header = readRequestHeader(decodeEnvelope(JSON.stringify({ method: 'rpc_ping', _unique_id: 'abc' })));
    expect(header).to.deep.equal({ method: 'rpc_ping', version: '1.0', uniqueId: 'abc' });
  });

  it('refuses bodies that are not messages', () => {
    for (const body of ['not json', '[1]', JSON.stringify({ 'oslo.version': '3.0', 'oslo.message': '{}' }), JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': '[]' })]) {
      expect(() => decodeEnvelope(body), body).to.throw(MessageRejectedError).with.property('reason', 'malformed');
    }
    expect(() => readRequestHeader({ _unique_id: 'x' })).to.throw(MessageRejectedError);
    expect(() => readRequestHeader({ method: 'x' })).to.throw(/_unique_id/);
    expect(() => readRequestHeader({ method: 'x', _unique_id: 'u', _msg_id: 'm' })).to.throw(/_reply_q/);
  });

  it('packs the context as _context_<key> entries', () => {
    const packed = packContext({ request_id: 'req-1', project_id: 'p' });
    expect(packed).to.deep.equal({ _context_request_id: 'req-1', _context_project_id: 'p' });
    expect(unpackContext({ method: 'm', ...packed })).to.deep.equal({ request_id: 'req-1', project_id: 'p' });
  });

  it('writes unique ids as 32 hex characters', () => {
    expect(newMessageId()).to.match(/^[0-9a-f]{32}$/);
    expect(newMessageId()).not.to.equal(newMessageId());
  });

  it('round-trips failures and classifies stock Trove failures as guest errors', () => {
    const wire = encodeFailure({ code: ErrorCode.NOT_FOUND, message: 'No such user', details: { user: 'a' } });
    const parsed = JSON.parse(wire) as Record<string, unknown>;
    expect(parsed).to.include({ class: 'TroveError', message: 'No such user' });
    expect(parsed['tb']).to.deep.equal([]);
    expect(decodeFailure(wire)).to.deep.equal({ code: ErrorCode.NOT_FOUND, message: 'No such user', details: { user: 'a' } });
    const stock = JSON.stringify({ class: 'ProcessExecutionError', module: 'oslo_concurrency.processutils', message: 'boom', tb: ['x'], args: [], kwargs: {} });
    expect(decodeFailure(stock)).to.deep.equal({ code: ErrorCode.GUEST_ERROR, message: 'An error occurred communicating with the guest: ProcessExecutionError: boom' });
    expect(decodeFailure('not json').code).to.equal(ErrorCode.GUEST_ERROR);
  });
});
