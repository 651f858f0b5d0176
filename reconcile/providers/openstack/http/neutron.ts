import type { Network } from "../cloud.js";
import { stringAt } from "./json-fields.js";
import { allPages, linkedPage } from "./pagination.js";
import type { ServiceClient } from "./service.js";

/** Neutron: the networks a server may be put on, by name. */
export class NeutronApi {
  constructor(private readonly client: ServiceClient) {}

  /** Every network the caller can see (only id and name asked for); [] where the catalog has no network service. */
  async listNetworks(): Promise<Network[]> {
    if (!(await this.client.available())) return [];
    const items = await allPages(this.client, "/networks?fields=id&fields=name", linkedPage("networks"));
    const networks: Network[] = [];
    for (const item of items) {
      const id = stringAt(item, "id");
      if (id !== undefined) networks.push({ id, name: stringAt(item, "name") ?? "" });
    }
    return networks;
  }
}
