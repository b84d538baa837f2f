import { describe, expect, it } from 'vitest';
import { codeBlock, saltMessage } from '../../../src/returners/http/message.js';
import { webhookUrl } from '../../../src/returners/slack-webhook.js';
import { collectorUrl } from '../../../src/returners/splunk.js';

const ret = (value: unknown, fun_args: unknown[] = ['a', { x: 1 }]) => ({
  id: 'web1', jid: '20261202000000000000', fun: 'pkg.list_pkgs', fun_args, return: value, retcode: 0, success: true, _stamp: '2026-12-02T00:00:00.000000',
});

describe("salt's chat message", () => {
  it('pformat wraps at 80 columns with sorted keys, as CPython 3 printed it', () => {
    const value = {
      pkgs: { nginx: '1.22.1-9', openssl: '3.0.11-1~deb12u2', curl: '7.88.1-10+deb12u5', zlib1g: '1:1.2.13.dfsg-1' },
      ok: true, n: null, f: 1.5, lines: ['a'.repeat(30), 'b'.repeat(30), 'c'.repeat(30)],
    };
    // python3 -c "import pprint; print(repr('…return: {}\r\n'.format(pprint.pformat(v))))"
    expect(saltMessage(ret(value), 'pformat')).toBe(
      "id: web1\r\nfunction: pkg.list_pkgs\r\nfunction args: ['a', {'x': 1}]\r\njid: 20261202000000000000\r\nreturn: {'f': 1.5,\n 'lines': ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',\n           'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',\n           'cccccccccccccccccccccccccccccc'],\n 'n': None,\n 'ok': True,\n 'pkgs': {'curl': '7.88.1-10+deb12u5',\n          'nginx': '1.22.1-9',\n          'openssl': '3.0.11-1~deb12u2',\n          'zlib1g': '1:1.2.13.dfsg-1'}}\r\n",
    );
  });

  it('str() prints a string return raw and anything else as its repr; yaml dumps block style', () => {
    expect(saltMessage(ret('up 3 days', []), 'str')).toBe('id: web1\r\nfunction: pkg.list_pkgs\r\nfunction args: []\r\njid: 20261202000000000000\r\nreturn: up 3 days\r\n');
    expect(saltMessage(ret({ b: false, a: [1, 'x'] }), 'str')).toContain("return: {'b': False, 'a': [1, 'x']}\r\n");
    expect(saltMessage(ret({ b: false, a: [1, 'x'] }), 'yaml')).toContain('return: a:\n- 1\n- x\nb: false\n\r\n');
    expect(saltMessage(ret('up'), 'yaml')).toContain('return: up\n...\n\r\n');
    expect(codeBlock('x')).toBe('```x```');
  });
});

describe('service URLs', () => {
  it("slack_webhook joins the webhook as salt's urljoin does", () => {
    expect(webhookUrl('T0/B0/XYZ').href).toBe('https://hooks.slack.com/services/T0/B0/XYZ');
    expect(webhookUrl('https://127.0.0.1:8443/services/T0/B0/XYZ').href).toBe('https://127.0.0.1:8443/services/T0/B0/XYZ');
  });

  it("splunk's indexer gets salt's fixed https and port 8088 unless it names a port", () => {
    expect(collectorUrl('splunk.example.com').href).toBe('https://splunk.example.com:8088/services/collector/event');
    expect(collectorUrl('http-inputs-acme.splunkcloud.com:443').href).toBe('https://http-inputs-acme.splunkcloud.com/services/collector/event');
  });
});
