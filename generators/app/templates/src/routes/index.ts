import type { Router } from 'express';
import { unitOfWork } from '../http/request-scope.ts';

/**
 * Your HTTP routes. This file is yours: the generator created it once and never overwrites it.
 *
 * Wrap a route in `unitOfWork` to publish events: they are sent when the operation succeeded and
 * before the response goes out (a failed operation discards them). For example, after
 * `yo kafka-eventing:event OrderPlaced --fields "orderId:uuid, total:number" --key orderId`:
 *
 *   router.post('/orders', unitOfWork(async (request, { eventBus }) => {
 *     const orderId = randomUUID();
 *     eventBus.publish('OrderPlaced', { orderId, total: Number(request.body.total) });
 *     return { status: 201, body: { orderId } };
 *   }));
 */
export function registerRoutes(router: Router): void {
  router.get(
    '/',
    unitOfWork(async () => ({ body: { service: '<%- service.name %>' } })),
  );
}
