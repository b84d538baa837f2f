// Entry of the salt-ssh bundle: the command class (oclif's single-command target) and the launcher.
export { default } from '../commands/ssh.js';
export { runBin } from '../cli/run-bin.js';
export { BrineHelp } from '../cli/help.js';
