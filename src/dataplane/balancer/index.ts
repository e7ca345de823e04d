/**
 * The balancer's entry point: the picker for a listener's Scheduler value (contract §2.3). Which
 * protocol accepts which value is a domain rule, in domain/schedulers.ts.
 */
import type { SchedulerName } from '../../domain/schedulers.js'
import { QuicHashPicker, SourceHashPicker, TupleHashPicker } from './hash.js'
import type { Picker, PickerBackend } from './picker.js'
import { RrPicker } from './rr.js'
import { WlcPicker } from './wlc.js'
import { WrrPicker } from './wrr.js'

export type { PickContext, Picker, PickerBackend, SchedulerName } from './picker.js'
export { QuicHashPicker, RendezvousHashPicker, SourceHashPicker, TupleHashPicker } from './hash.js'
export { RrPicker } from './rr.js'
export { WlcPicker } from './wlc.js'
export { WrrPicker } from './wrr.js'

/**
 * A new, empty picker for `name`; give it members with `update`.
 *
 * @example
 * const picker = createPicker('wrr')
 * picker.update([{ id: 'i-a|0', weight: 100 }])
 */
export function createPicker<B extends PickerBackend = PickerBackend>(name: SchedulerName): Picker<B> {
  switch (name) {
    case 'wrr':
      return new WrrPicker<B>()
    case 'rr':
      return new RrPicker<B>()
    case 'wlc':
      return new WlcPicker<B>()
    case 'sch':
      return new SourceHashPicker<B>()
    case 'tch':
      return new TupleHashPicker<B>()
    case 'qch':
      return new QuicHashPicker<B>()
  }
}
