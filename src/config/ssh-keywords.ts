/**
 * What brine does with each ssh_config keyword. `honoured`: applied. `inert`: cannot change where or how
 * brine connects, nor what the command sees (LogLevel, ControlMaster…): ignored in ssh_config, accepted
 * as an option. `session`: a feature of an interactive ssh session brine never opens (forwardings,
 * SendEnv…): ignored in ssh_config (it is usually a blanket `Host *` setting), an error as an option.
 * `unsupported`: would change how brine connects or what it trusts: one warning per keyword in
 * ssh_config, an error as an option. `inertValue` is the value that asks for what brine already does.
 */
export type KeywordKind = 'honoured' | 'inert' | 'session' | 'unsupported';

export interface KeywordInfo {
  name: string;
  kind: KeywordKind;
  inertValue?: string;
}

const HONOURED = [
  'HostName', 'User', 'Port', 'IdentityFile', 'IdentitiesOnly', 'ProxyJump', 'ProxyCommand', 'ConnectTimeout',
  'StrictHostKeyChecking', 'UserKnownHostsFile', 'ServerAliveInterval', 'ServerAliveCountMax', 'HostKeyAlias',
];

const INERT = [
  'LogLevel', 'Compression', 'ControlMaster', 'ControlPath', 'ControlPersist', 'BatchMode', 'TCPKeepAlive',
  'CheckHostIP', 'VisualHostKey', 'EscapeChar', 'AddKeysToAgent', 'UseKeychain', 'HashKnownHosts', 'UpdateHostKeys',
  'GSSAPIAuthentication', 'GSSAPIDelegateCredentials', 'GSSAPIKeyExchange', 'GSSAPITrustDns', 'GSSAPIRenewalForcesRekey',
  'CanonicalDomains', 'CanonicalizeFallbackLocal', 'CanonicalizeMaxDots', 'CanonicalizePermittedCNAMEs', 'XAuthLocation',
  'FingerprintHash', 'IPQoS', 'RekeyLimit', 'Protocol', 'UseRoaming', 'ObscureKeystrokeTiming', 'EnableEscapeCommandline',
  'NumberOfPasswordPrompts', 'ForwardX11Timeout', 'ForwardX11Trusted', 'ExitOnForwardFailure', 'ClearAllForwardings',
  'GatewayPorts', 'PermitLocalCommand', 'StreamLocalBindMask', 'StreamLocalBindUnlink', 'Tag', 'ForkAfterAuthentication',
  'StdinNull', 'ChannelTimeout', 'PermitRemoteOpen', 'IgnoreUnknown', 'WarnWeakCrypto',
];

const SESSION: readonly (readonly [string, string?])[] = [
  ['ForwardAgent', 'no'], ['ForwardX11', 'no'], ['LocalForward'], ['RemoteForward'], ['DynamicForward'], ['SendEnv'],
  ['SetEnv'], ['RequestTTY'], ['RemoteCommand', 'none'], ['SessionType', 'default'], ['Tunnel', 'no'], ['TunnelDevice'],
];

const UNSUPPORTED: readonly (readonly [string, string?])[] = [
  ['LocalCommand'], ['CertificateFile'], ['PKCS11Provider', 'none'], ['SecurityKeyProvider'], ['KexAlgorithms'],
  ['Ciphers'], ['MACs'], ['HostKeyAlgorithms'], ['PubkeyAcceptedAlgorithms'], ['PubkeyAcceptedKeyTypes'],
  ['HostbasedAcceptedAlgorithms'], ['HostbasedAcceptedKeyTypes'], ['CASignatureAlgorithms'], ['RequiredRSASize'],
  ['AddressFamily', 'any'], ['BindAddress'], ['BindInterface'], ['CanonicalizeHostname', 'no'], ['ConnectionAttempts', '1'],
  ['GlobalKnownHostsFile'], ['IdentityAgent'], ['KnownHostsCommand', 'none'], ['RevokedHostKeys'],
  ['NoHostAuthenticationForLocalhost', 'no'], ['PasswordAuthentication', 'yes'], ['PubkeyAuthentication', 'yes'],
  ['KbdInteractiveAuthentication', 'no'], ['KbdInteractiveDevices'], ['ChallengeResponseAuthentication', 'no'],
  ['PreferredAuthentications'], ['HostbasedAuthentication', 'no'], ['VerifyHostKeyDNS', 'no'], ['ProxyUseFdpass', 'no'],
  ['EnableSSHKeysign', 'no'], ['SmartcardDevice'], ['PubkeyAuthOptions'],
];

function table(): ReadonlyMap<string, KeywordInfo> {
  const map = new Map<string, KeywordInfo>();
  for (const name of HONOURED) map.set(name.toLowerCase(), { name, kind: 'honoured' });
  for (const name of INERT) map.set(name.toLowerCase(), { name, kind: 'inert' });
  for (const [kind, rows] of [['session', SESSION], ['unsupported', UNSUPPORTED]] as const) {
    for (const [name, inertValue] of rows) map.set(name.toLowerCase(), { name, kind, ...(inertValue === undefined ? {} : { inertValue }) });
  }
  return map;
}

const KEYWORDS = table();

export const HONOURED_KEYWORDS: readonly string[] = HONOURED;

/** The keyword's entry, by any case; undefined for keywords OpenSSH does not have either. */
export function keywordInfo(keyword: string): KeywordInfo | undefined {
  return KEYWORDS.get(keyword.toLowerCase());
}

/** True when brine's behaviour already is what the line asks for (`ForwardAgent no`). */
export function isInertValue(info: KeywordInfo, args: readonly string[]): boolean {
  return info.kind === 'inert' || (info.inertValue !== undefined && args.length === 1 && args[0]?.toLowerCase() === info.inertValue);
}
