import { BUILD_INFO } from '../core/build-info.js';
import { bindArgs } from './args.js';
import { shellQuote } from './shell.js';
import { pyStr } from '../salt/python.js';
import type { ExecResult } from '../transport/types.js';
import type { ExecutionModule, FunctionResult, ModuleFunction } from './types.js';

/** Anything but exit 0 from a trivial command means the host did not really answer. */
function answered(result: ExecResult, value: unknown): FunctionResult {
  return result.exitCode === 0 ? { return: value, retcode: 0 } : { return: false, retcode: result.exitCode ?? 1 };
}

const ping: ModuleFunction = {
  doc: `
    Used to make sure the minion is up and responding. Not an ICMP ping.

    Returns \`\`True\`\`.

    CLI Example:

        salt '*' test.ping
    `,
  prepare(call) {
    bindArgs(call, {});
    return { command: 'true' };
  },
  parse(result) {
    return answered(result, true);
  },
};

const echo: ModuleFunction = {
  doc: `
    Return a string - used for testing the connection

    CLI Example:

        salt '*' test.echo 'foo bar baz quo qux'
    `,
  prepare(call) {
    const { values } = bindArgs(call, { params: ['text'], required: 1 });
    // The text makes the round trip through the host's shell, which also proves the quoting.
    return { command: `printf '%s' ${shellQuote(pyStr(values['text']))}` };
  },
  parse(result, call) {
    const text = call.args[0] ?? call.kwargs['text'];
    return answered(result, typeof text === 'string' ? result.stdout : text);
  },
};

const version: ModuleFunction = {
  doc: `
    Return the version of brine (salt's test.version returns the salt version).

    CLI Example:

        salt '*' test.version
    `,
  prepare(call) {
    bindArgs(call, {});
    return { command: 'true' };
  },
  parse(result) {
    return answered(result, BUILD_INFO.version);
  },
};

const arg: ModuleFunction = {
  doc: `
    Print out the data passed into the function \`\`*args\`\` and \`\`kwargs\`\`, this
    is used to both test the publication data and cli argument passing, but
    also to display the information available within the publication data.
    Returns {"args": args, "kwargs": kwargs}.

    CLI Example:

        salt '*' test.arg 1 "two" 3.1 txt="hello" wow='{a: 1, b: "hello"}'
    `,
  prepare(call) {
    bindArgs(call, { varargs: true, varkw: true });
    return { command: 'echo "$$"' };
  },
  parse(result, call) {
    const pid = Number(result.stdout.trim()) || 0;
    return answered(result, {
      args: call.args,
      kwargs: { ...call.kwargs, __pub_fun: call.fun, __pub_pid: pid, __pub_jid: call.jid, __pub_tgt: 'salt-call' },
    });
  },
};

export const executionModule: ExecutionModule = {
  name: 'test',
  functions: { ping, echo, version, arg },
};
