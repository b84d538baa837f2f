import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fingerprintSha256, keyTypeLabel, keyTypeOf, knownHostsLine, parseKnownHosts } from '../../../src/transport/known-hosts.js';

/** An SSH public key blob: string type + string key material. */
function blob(type: string, material = randomBytes(32)): Buffer {
  const typeBuf = Buffer.from(type);
  const out = Buffer.alloc(8 + typeBuf.length + material.length);
  out.writeUInt32BE(typeBuf.length, 0);
  typeBuf.copy(out, 4);
  out.writeUInt32BE(material.length, 4 + typeBuf.length);
  material.copy(out, 8 + typeBuf.length);
  return out;
}
const b64 = (key: Buffer) => key.toString('base64');

const ed = 'ssh-ed25519';
const keyA = blob(ed);
const keyB = blob(ed);
const ecdsa = blob('ecdsa-sha2-nistp256', randomBytes(65));
const dir = mkdtempSync(join(tmpdir(), 'brine-kh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Hashes known_hosts text with the real `ssh-keygen -H`. */
function hashWithSshKeygen(text: string): string {
  const file = join(dir, `kh-${randomBytes(4).toString('hex')}`);
  writeFileSync(file, text);
  execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
  return readFileSync(file, 'utf8');
}

describe('parseKnownHosts', () => {
  it('matches a plain name on port 22 and [host]:port on other ports, not across them', () => {
    const kh = parseKnownHosts(`web1 ${ed} ${b64(keyA)}\n[web2]:2222 ${ed} ${b64(keyA)}\n`, 'kh');
    expect(kh.check('web1', 22, ed, keyA)).toEqual({ status: 'match' });
    expect(kh.check('web1', 2222, ed, keyA)).toEqual({ status: 'unknown' });
    expect(kh.check('web2', 2222, ed, keyA)).toEqual({ status: 'match' });
    expect(kh.check('web2', 22, ed, keyA)).toEqual({ status: 'unknown' });
  });

  it('reads comma lists, comments, blank, CRLF and malformed lines, case-insensitively', () => {
    const text = [
      '# a comment',
      '',
      'broken-line-without-key',
      `Web1,10.0.0.1 ${ed} ${b64(keyA)} comment here\r`,
      `web3 ${ed}`,
    ].join('\n');
    const kh = parseKnownHosts(text, 'kh');
    expect(kh.check('10.0.0.1', 22, ed, keyA)).toEqual({ status: 'match' });
    expect(kh.check('WEB1', 22, ed, keyA)).toEqual({ status: 'match' });
    expect(kh.check('web3', 22, ed, keyA)).toEqual({ status: 'unknown' });
  });

  it('reports a changed key of the same type with its line', () => {
    const kh = parseKnownHosts(`# header\nweb1 ${ed} ${b64(keyA)}\n`, 'kh');
    expect(kh.check('web1', 22, ed, keyB)).toEqual({ status: 'changed', line: 2, keyType: ed });
  });

  it('reports a key of another type as changed when the host has any record, pointing at a same-type line first', () => {
    const kh = parseKnownHosts(`web1 ${ed} ${b64(keyA)}\nweb1 ecdsa-sha2-nistp256 ${b64(ecdsa)}\n`, 'kh');
    const rsa = blob('ssh-rsa', randomBytes(64));
    expect(kh.check('web1', 22, 'ssh-rsa', rsa)).toEqual({ status: 'changed', line: 1, keyType: ed });
    expect(kh.check('web1', 22, 'ecdsa-sha2-nistp256', blob('ecdsa-sha2-nistp256'))).toEqual({
      status: 'changed',
      line: 2,
      keyType: 'ecdsa-sha2-nistp256',
    });
    // the host's other recorded type still matches
    expect(kh.check('web1', 22, 'ecdsa-sha2-nistp256', ecdsa)).toEqual({ status: 'match' });
    expect(kh.check('web2', 22, 'ssh-rsa', rsa)).toEqual({ status: 'unknown' });
  });

  it('accepts a key listed on any matching line even if another line differs', () => {
    const kh = parseKnownHosts(`web1 ${ed} ${b64(keyB)}\nweb* ${ed} ${b64(keyA)}\n`, 'kh');
    expect(kh.check('web1', 22, ed, keyA)).toEqual({ status: 'match' });
  });

  it('matches * and ? wildcards, including in [host]:port', () => {
    const text = `*.example.com ${ed} ${b64(keyA)}\n10.0.0.? ${ed} ${b64(keyA)}\n[10.1.*]:2222 ${ed} ${b64(keyA)}\n`;
    const kh = parseKnownHosts(text, 'kh');
    expect(kh.check('a.b.example.com', 22, ed, keyA)).toEqual({ status: 'match' });
    expect(kh.check('example.com', 22, ed, keyA)).toEqual({ status: 'unknown' });
    expect(kh.check('10.0.0.7', 22, ed, keyA)).toEqual({ status: 'match' });
    expect(kh.check('10.0.0.17', 22, ed, keyA)).toEqual({ status: 'unknown' });
    expect(kh.check('10.1.2.3', 2222, ed, keyA)).toEqual({ status: 'match' });
    expect(kh.check('10.1.2.3', 2223, ed, keyA)).toEqual({ status: 'unknown' });
  });

  it('lets a negated pattern veto the line', () => {
    const kh = parseKnownHosts(`*.example.com,!bad.example.com ${ed} ${b64(keyA)}\n`, 'kh');
    expect(kh.check('good.example.com', 22, ed, keyA)).toEqual({ status: 'match' });
    expect(kh.check('bad.example.com', 22, ed, keyA)).toEqual({ status: 'unknown' });
  });

  it('matches entries hashed by ssh-keygen -H, for port 22 and [host]:port', () => {
    const hashed = hashWithSshKeygen(`web1 ${ed} ${b64(keyA)}\n[127.0.0.1]:2222 ${ed} ${b64(keyB)}\n`);
    expect(hashed).toMatch(/^\|1\|/);
    const kh = parseKnownHosts(hashed, 'kh');
    expect(kh.check('web1', 22, ed, keyA)).toEqual({ status: 'match' });
    expect(kh.check('127.0.0.1', 2222, ed, keyB)).toEqual({ status: 'match' });
    expect(kh.check('127.0.0.1', 2222, ed, keyA)).toEqual({ status: 'changed', line: 2, keyType: ed });
    expect(kh.isHashed).toBe(true);
    expect(kh.check('web2', 22, ed, keyA)).toEqual({ status: 'unknown' });
  });

  it('rejects a key under @revoked even when another line lists it', () => {
    const kh = parseKnownHosts(`web1 ${ed} ${b64(keyA)}\n@revoked * ${ed} ${b64(keyA)}\n`, 'kh');
    expect(kh.check('web1', 22, ed, keyA)).toEqual({ status: 'revoked', line: 2 });
    expect(kh.check('web1', 22, ed, keyB)).toEqual({ status: 'changed', line: 1, keyType: ed });
  });

  it('ignores @cert-authority lines and unknown markers', () => {
    const kh = parseKnownHosts(`@cert-authority * ${ed} ${b64(keyA)}\n@bogus web1 ${ed} ${b64(keyA)}\n`, 'kh');
    expect(kh.check('web1', 22, ed, keyA)).toEqual({ status: 'unknown' });
  });

  it('lists the key types known for a host, without revoked lines', () => {
    const text = `web1 ${ed} ${b64(keyA)}\n* ecdsa-sha2-nistp256 ${b64(ecdsa)}\n@revoked web1 ssh-rsa ${b64(keyB)}\nweb1 ${ed} ${b64(keyB)}\n`;
    const kh = parseKnownHosts(text, 'kh');
    expect(kh.keyTypes('web1', 22)).toEqual([ed, 'ecdsa-sha2-nistp256']);
    expect(kh.keyTypes('web2', 2222)).toEqual(['ecdsa-sha2-nistp256']);
  });

  it('knows nothing from an empty file and keeps the file name', () => {
    const kh = parseKnownHosts('', '/x/known_hosts');
    expect(kh.file).toBe('/x/known_hosts');
    expect(kh.isHashed).toBe(false);
    expect(kh.check('web1', 22, ed, keyA)).toEqual({ status: 'unknown' });
  });
});

describe('knownHostsLine', () => {
  it('writes [host]:port, or the bare lower-cased host on port 22', () => {
    expect(knownHostsLine('127.0.0.1', 2222, keyA, false)).toBe(`[127.0.0.1]:2222 ${ed} ${b64(keyA)}`);
    expect(knownHostsLine('Web1', 22, keyA, false)).toBe(`web1 ${ed} ${b64(keyA)}`);
  });

  it('writes a hashed line that ssh-keygen -F finds and the parser matches', () => {
    const line = knownHostsLine('127.0.0.1', 2222, keyA, true);
    expect(line).toMatch(/^\|1\|[A-Za-z0-9+/]{27}=\|[A-Za-z0-9+/]{27}= ssh-ed25519 /);
    expect(line).not.toBe(knownHostsLine('127.0.0.1', 2222, keyA, true)); // a fresh salt each time
    const file = join(dir, 'hashed-line');
    writeFileSync(file, `${line}\n`);
    const found = execFileSync('ssh-keygen', ['-F', '[127.0.0.1]:2222', '-f', file], { encoding: 'utf8' });
    expect(found).toContain(line);
    expect(parseKnownHosts(line, file).check('127.0.0.1', 2222, ed, keyA)).toEqual({ status: 'match' });
  });

  it('names key types as OpenSSH prints them', () => {
    expect(['ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp384', 'ssh-dss', 'x-other'].map(keyTypeLabel)).toEqual([
      'ED25519',
      'RSA',
      'ECDSA',
      'DSA',
      'x-other',
    ]);
  });
});

describe('fingerprintSha256 and keyTypeOf', () => {
  it('print what ssh-keygen -l prints for a real key', () => {
    const keyFile = join(dir, 'fp_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
    const [type, data] = readFileSync(`${keyFile}.pub`, 'utf8').split(' ');
    const key = Buffer.from(data ?? '', 'base64');
    const expected = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${keyFile}.pub`], { encoding: 'utf8' }).split(' ')[1];
    expect(fingerprintSha256(key)).toBe(expected);
    expect(fingerprintSha256(key)).not.toMatch(/=$/);
    expect(keyTypeOf(key)).toBe(type);
    expect(keyTypeOf(Buffer.alloc(2))).toBe('');
  });
});
