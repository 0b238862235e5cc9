import type { AwilixContainer } from 'awilix';
import type { Cradle } from './container.ts';

/**
 * Your own services, resolvable by handlers and routes through their constructors. This file is
 * yours: the generator created it once and never overwrites it.
 *
 * Example:
 *   export interface Services { orderRepository: OrderRepository }
 *   container.register({ orderRepository: asClass(PostgresOrderRepository).singleton() });
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- empty until you add your services
export interface Services {}

export function registerServices(container: AwilixContainer<Cradle>): void {
  void container;
}
