/** The unary methods both sides are measured on. */
export type UnaryMethodName = 'GetItem' | 'ListItems' | 'CreateItem';

/** One call, as REST (method, path, JSON body) and as gRPC (rpc and request message). */
export interface CatalogueCall {
  method: UnaryMethodName;
  rest: { httpMethod: 'GET' | 'POST'; path: string; body?: string };
  grpc: { rpc: UnaryMethodName; request: Record<string, unknown>; requestType: string; responseType: string };
}

/** Items every server of the comparison starts with, so a page of 10 is full and ids 1..100 exist. */
export const CATALOGUE_ITEMS = 100;
export const LIST_PAGE_SIZE = 10;
export const NEW_ITEM = { name: 'desk lamp', price: 12.5 };

/** The calls of the comparison: get one item, list a page, create one. */
export const CATALOGUE_CALLS: readonly CatalogueCall[] = [
  {
    method: 'GetItem',
    rest: { httpMethod: 'GET', path: '/items/1' },
    grpc: {
      rpc: 'GetItem',
      request: { id: 1 },
      requestType: 'wirestack.demo.GetItemRequest',
      responseType: 'wirestack.demo.Item',
    },
  },
  {
    method: 'ListItems',
    rest: { httpMethod: 'GET', path: `/items?page_size=${LIST_PAGE_SIZE}` },
    grpc: {
      rpc: 'ListItems',
      request: { pageSize: LIST_PAGE_SIZE },
      requestType: 'wirestack.demo.ListItemsRequest',
      responseType: 'wirestack.demo.ListItemsResponse',
    },
  },
  {
    method: 'CreateItem',
    rest: { httpMethod: 'POST', path: '/items', body: JSON.stringify(NEW_ITEM) },
    grpc: {
      rpc: 'CreateItem',
      request: { ...NEW_ITEM },
      requestType: 'wirestack.demo.CreateItemRequest',
      responseType: 'wirestack.demo.Item',
    },
  },
];
