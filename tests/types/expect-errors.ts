// The typed API as a TypeScript user meets it (`tsc --strict`, run by tests/types/run.mjs):
// what must compile, and with `@ts-expect-error`, what must not (an expectation that compiles
// after all is itself an error, so each line below proves one mistake is caught).
import { connect, type GetinfoResponse, type InvoiceResponse, type Methods } from 'lncommando';

export async function typed(): Promise<void> {
  const node = await connect({ url: 'ws://127.0.0.1:9736', nodeId: '02'.padEnd(66, '0'), rune: 'x' });

  // Results are typed by method.
  const info: GetinfoResponse = await node.commando('getinfo');
  const id: string = info.id;
  const height: number = info.blockheight;
  const inv = await node.commando('invoice', { amount_msat: 1000, label: 'x', description: 'coffee' });
  const bolt11: string = inv.bolt11;
  const same: InvoiceResponse = inv;
  const funds = await node.commando('listfunds');
  for (const o of funds.outputs) {
    const status: 'unconfirmed' | 'confirmed' | 'spent' | 'immature' = o.status;
    void status;
  }
  // Optional params may be left out; positional params are accepted unchecked.
  await node.commando('listinvoices');
  await node.commando('listinvoices', { label: 'x' });
  await node.commando('invoice', [1000, 'x', 'coffee']);
  // Options still go last.
  await node.commando('getinfo', {}, { timeoutMs: 1000 });
  // A method the schemas do not know (a plugin's) works, untyped.
  const plugin = await node.commando('my-plugin-method', { anything: 1 });
  // @ts-expect-error: an untyped result is unknown until you say what it is
  plugin.whatever;
  const anyField: number = (plugin as { whatever: number }).whatever;
  // A method name held in a plain string is untyped too.
  const name: string = 'getinfo';
  const loose = await node.commando(name);
  void [id, height, bolt11, same, anyField, loose];

  // @ts-expect-error: a misspelt param name
  await node.commando('invoice', { amount_msats: 1000, label: 'x', description: 'coffee' });
  // @ts-expect-error: a param of the wrong type
  await node.commando('invoice', { amount_msat: 1000, label: 'x', description: 42 });
  // @ts-expect-error: a required param missing
  await node.commando('invoice', { amount_msat: 1000, label: 'x' });
  // @ts-expect-error: params are required for invoice
  await node.commando('invoice');
  // @ts-expect-error: getinfo takes no params by name
  await node.commando('getinfo', { verbose: true });
  // @ts-expect-error: an enum param outside its values
  await node.commando('listinvoices', { index: 'sideways' });
  // @ts-expect-error: a result field that does not exist
  info.nodeid;
  // @ts-expect-error: a result field of another type
  const wrong: string = info.blockheight;
  // @ts-expect-error: a status outside the enum
  const bad: (typeof funds.outputs)[number]['status'] = 'lost';
  void [wrong, bad];

  // Integers past 2^53 as bigint, when asked: the result's numbers say so.
  const big = await node.commando('listfunds', {}, { bigint: true });
  const amount: number | bigint = big.outputs[0]!.amount_msat;
  // @ts-expect-error: with bigint, an amount may be a bigint, not only a number
  const notOnly: number = big.outputs[0]!.amount_msat;
  void [amount, notOnly];

  // The table of every method is exported for users' own helpers.
  type InvoiceParams = Methods['invoice']['request'];
  const p: InvoiceParams = { amount_msat: 'any', label: 1, description: '' };
  void p;
  await node.close();
}
