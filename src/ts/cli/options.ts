// Option parsers shared by the commands.

/** commander's collector for a repeatable option (`--data a --data b`). */
export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
