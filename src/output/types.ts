export interface OutputOptions {
  color: boolean;
  /** `--out-indent`: spaces per level; a negative value means a single line (json). */
  indent: number;
  /** `--out-indent` as given; absent without the flag (salt's yaml and pprint keep their own defaults then). */
  requestedIndent?: number;
}

/**
 * An outputter renders `{id: value}` to text, as salt's outputters do. brine calls it once per
 * host while streaming, and once with every host under `--static`. The text ends with a newline.
 */
export type Outputter = (data: Record<string, unknown>, options: OutputOptions) => string;
