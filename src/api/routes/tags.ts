/** Routes: tags. */
import * as tags from '../../actions/tags.js'
import { route, type Route } from '../route.js'
import * as spec from '../spec/tags.js'

export const tagRoutes: readonly Route[] = [
  route(spec.TagResources, tags.tagResources),
  route(spec.UntagResources, tags.untagResources),
  route(spec.ListTagResources, tags.listTagResources),
]
