/**
 * The error catalogue: every error a client can see, with Alibaba's exact code, HTTP status and
 * message. Messages are contract — Terraform and the CCM match on them (slb-api-contract.md §5).
 */

/** An error the client caused or a service rule refused; rendered verbatim on the wire. */
export class SlbError extends Error {
  readonly code: string
  readonly httpStatus: number

  constructor(code: string, httpStatus: number, message: string) {
    super(message)
    this.name = 'SlbError'
    this.code = code
    this.httpStatus = httpStatus
  }
}

const err = (code: string, status: number, message: string): SlbError => new SlbError(code, status, message)

// Gateway, authentication and parameter errors (contract §5.1).
export const missingParameter = (name: string): SlbError =>
  err('MissingParameter', 400, `The input parameter "${name}" that is mandatory for processing this request is not supplied.`)
export const invalidParameter = (name: string): SlbError =>
  err('InvalidParameter', 400, `The specified parameter "${name}" is not valid.`)
export const invalidParameterMessage = (message: string): SlbError => err('InvalidParameter', 400, message)
export const invalidActionOrVersion = (): SlbError =>
  err('InvalidParameter', 400, 'The specified parameter "Action or Version" is not valid.')
export const invalidAction = (): SlbError => err('InvalidAction', 403, 'Specified action is not valid.')
export const unsupportedHttpMethod = (): SlbError => err('UnsupportedHTTPMethod', 403, 'This http method is not supported.')
export const signatureMismatch = (stringToSign: string): SlbError =>
  err(
    'SignatureDoesNotMatch',
    400,
    `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`,
  )
export const incompleteSignature = (): SlbError =>
  err('IncompleteSignature', 400, 'The request signature does not conform to Aliyun standards.')
export const invalidSignatureMethod = (): SlbError =>
  // The service's own misspelling "Paramater" is contract (§5.1).
  err('InvalidParamater', 400, 'The specified parameter "SignatureMethod" is not valid.')
export const invalidSignatureVersion = (): SlbError =>
  err('InvalidParamater', 400, 'The specified parameter "SignatureVersion" is not valid.')
export const accessKeyNotFound = (): SlbError =>
  err('InvalidAccessKeyId.NotFound', 404, 'Specified access key is not found.')
export const accessKeyDisabled = (): SlbError =>
  err('InvalidAccessKeyId.Inactive', 400, 'Specified access key is disabled.')
export const nonceUsed = (): SlbError =>
  err('SignatureNonceUsed', 400, 'Specified signature nonce was used already.')
export const timestampExpired = (): SlbError =>
  err('InvalidTimeStamp.Expired', 400, 'Specified time stamp or date value is expired.')
export const illegalTimestamp = (): SlbError =>
  err(
    'IllegalTimestamp',
    400,
    'The input parameter "Timestamp" that is mandatory for processing this request is not supplied.',
  )
export const bodyTooLarge = (limit: number): SlbError =>
  err('InvalidParameter', 400, `The request body exceeds the limit of ${limit} bytes.`)
export const internalError = (): SlbError =>
  err('InternalError', 500, 'The request processing has failed due to some unknown error, exception or failure.')
/** An OpenSLB node started with --role dataplane: it forwards traffic and answers no API call. */
export const apiNotServed = (): SlbError =>
  err(
    'Forbidden.DataplaneNode',
    403,
    'This OpenSLB node runs with --role dataplane and answers no API calls; send them to a node with --role api or all.',
  )

export const serviceUnavailable = (): SlbError =>
  err('ServiceUnavailable', 503, 'The request has failed due to a temporary failure of the server.')
export const idempotentParameterMismatch = (): SlbError =>
  err('IdempotentParameterMismatch', 400, 'The request is retried with updated parameters.')

// The BackendServers parameter (contract §2.1, §5.4); the texts name BackendServers for Old/New lists too.
export const backendServersMalformed = (): SlbError =>
  err('BackendServersMalformed', 400, 'the specified parameter BackendServers is unavailable.')
export const backendServersInvalid = (): SlbError =>
  err('InvalidParameter', 400, 'The specified BackendServers is invalid.')
export const backendServerPortInvalid = (): SlbError =>
  err('InvalidParameter', 400, 'The specified BackendServers is invalid, as the Port value should be in [1, 65535].')
export const weightMalformed = (): SlbError => err('InvalidWeight.Malformed', 400, 'A specified weight is not valid.')

// SLB resources (contract §5.2, §5.5).
export const invalidRegionId = (): SlbError =>
  err('InvalidRegionId.NotFound', 404, 'The specified RegionId does not exist.')
export const loadBalancerNotFound = (): SlbError =>
  err('InvalidLoadBalancerId.NotFound', 404, 'The specified LoadBalancerId does not exist.')
export const deleteProtected = (): SlbError =>
  // Contract §8.6 leaves the code open; see docs/compatibility.md.
  err('OperationDenied.DeleteProtection', 400, 'The specified load balancer has enabled delete protection.')
export const loadBalancerQuota = (): SlbError => err('OverQuota', 400, 'Instance num exceeded Quota.')
export const addressPoolExhausted = (): SlbError =>
  err('VSwitchAvailableIpNotExist', 400, 'There is no available IP address left in the address pool.')
export const addressInUse = (): SlbError =>
  err('InvalidParameter', 400, 'The specified Address is already in use.')
export const addressOutOfPool = (): SlbError =>
  err('InvalidParameter', 400, 'The specified Address is not in the address pool.')

// Tags (contract §2.6, §5.5).
export const tagCountLimit = (): SlbError => err('TagCountLimit', 400, 'Tags count limit exceeded.')
export const tagCreateCountLimit = (): SlbError => err('TagCreateCountLimit', 400, 'tags create count limit exceeded.')
export const invalidTagKey = (): SlbError => err('InvalidTagKey', 400, 'The specified tag key is invalid.')
export const invalidTagValue = (): SlbError => err('InvalidTagValue', 400, 'The specified tag value is invalid.')
export const resourceNotFound = (): SlbError =>
  err('InvalidResourceId.NotFound', 404, 'The specified resource does not exist.')
export const invalidResourceType = (): SlbError =>
  err('InvalidResourceType.NotFound', 404, 'The specified ResourceType does not exist.')

// ECS subset (Version 2014-05-26).
export const instanceNotFound = (): SlbError =>
  err('InvalidInstanceId.NotFound', 404, 'The specified InstanceId does not exist.')
export const incorrectInstanceStatus = (): SlbError =>
  err('IncorrectInstanceStatus', 403, 'The current status of the resource does not support this operation.')
export const privateIpDuplicated = (): SlbError =>
  err('InvalidPrivateIpAddress.Duplicated', 400, 'Specified private IP address is duplicated.')
export const privateIpOutOfPool = (): SlbError =>
  err('InvalidPrivateIpAddress', 400, 'Specified private IP address is not in the CIDR block of virtual switch.')
export const privateIpPoolExhausted = (): SlbError =>
  err('InvalidVSwitchId.IpNotEnough', 400, 'The specified VSwitch has not enough IpAddress.')
export const networkInterfaceNotFound = (): SlbError =>
  err('InvalidEniId.NotFound', 404, 'The specified NetworkInterfaceId does not exist.')
export const networkInterfaceInUse = (): SlbError =>
  err('InvalidOperation.InvalidEniState', 403, 'The operation is not allowed in the current ENI state.')
export const dependencyViolationBackend = (): SlbError =>
  err('DependencyViolation.LoadBalancer', 403, 'The specified resource is attached to a load balancer as a backend server.')
export const privateIpMalformed = (): SlbError =>
  err('InvalidPrivateIpAddress.Malformed', 400, 'Specified private IP address is malformed.')
export const instanceIdsMalformed = (): SlbError =>
  err('InvalidInstanceIds.Malformed', 400, 'The specified InstanceIds is not valid.')
export const tooManyInstanceIds = (): SlbError =>
  err('InvalidParameter.TooManyInstanceIds', 403, 'Instance ids cannot be more than 100.')
export const zoneNotFound = (): SlbError =>
  err('InvalidZoneId.NotFound', 404, 'The ZoneId provided does not exist in our records.')
export const instanceTypeNotSupported = (): SlbError =>
  err('InvalidInstanceType.ValueNotSupported', 400, 'The specified InstanceType beyond the permitted range.')
export const instanceNameMalformed = (): SlbError =>
  err('InvalidInstanceName.Malformed', 400, 'The specified parameter InstanceName is not valid.')
export const hostNameMalformed = (): SlbError =>
  err('InvalidHostName.Malformed', 400, 'The specified parameter HostName is not valid.')
export const descriptionMalformed = (): SlbError =>
  err('InvalidDescription.Malformed', 400, 'The specified parameter Description is not valid.')

// Backend servers and server groups (contract §5.2, §5.3, §5.4, §2.5).
export const tooManyBackendServers = (max: number): SlbError =>
  err('TooManyBackendServers', 400, `The total number of input real servers exceeds max supported number: ${max}`)
export const backendServersUnavailable = (): SlbError =>
  err(
    'ObtainIpFail',
    400,
    'The specified BackendServers is invalid; some of the specified backend servers do not exist or are not running.',
  )
export const backendServerQuota = (): SlbError =>
  err(
    'InstanceBackendServerNumberOverLimit',
    400,
    'The backend server number has reached to the quota limit of this load balancer.',
  )
export const backendServerExists = (serverId: string): SlbError =>
  err('InvalidBackendServers.ServerIpConflict', 400, `The backend server ${serverId} already exists.`)
export const vServerGroupNotFound = (): SlbError =>
  // Not InvalidVServerGroupId.NotFound: Terraform matches this message or InvalidParameter (contract §0.5).
  err('InvalidParameter', 404, 'The specified VServerGroupId does not exist.')
export const vServerGroupInUse = (): SlbError =>
  err('RspoolVipExist', 400, 'there are vips associating with this vServer group.')
export const vServerGroupProcessing = (): SlbError =>
  err('VServerGroupProcessing', 400, 'A previous configuration of the VServer group is pending; please try again later.')
export const serviceIsConfiguring = (): SlbError =>
  err('ServiceIsConfiguring', 400, 'A previous configuration is pending; please try again later.')

// Listeners (contract §2.3, §5.2, §5.5).
export const listenerPortInvalid = (): SlbError => err('InvalidParameter', 400, 'The specified port is not valid.')
export const listenerBandwidthInvalid = (): SlbError =>
  err('InvalidParameter', 400, 'The specified Bandwidth is invalid.')
export const listenerProtocolInvalid = (): SlbError =>
  err('InvalidParameter', 400, 'The specified protocol is not valid.')
export const listenerExists = (): SlbError =>
  err('ListenerAlreadyExists', 400, 'A listener with the specified port already exists')
export const listenerQuota = (): SlbError =>
  err('ListenerNumberOverLimit', 400, 'The maximum number of listeners is exceeded.')
export const serverGroupKindsMismatch = (): SlbError =>
  err(
    'Abs.VServerGroupIdAndMasterSlaveServerGroupId.MissMatch',
    400,
    'The parameters VServerGroupId or MasterSlaveServerGroupId miss match.',
  )
export const masterSlaveGroupNotFound = (): SlbError =>
  // Terraform matches this message for a missing primary/secondary group (contract §5.2).
  err('InvalidParameter', 404, 'The specified MasterSlaveGroupId does not exist.')
export const listenerAttributeNotFound = (): SlbError =>
  // Describe/Set*ListenerAttribute: Terraform maps this message to a missing listener (contract §0.5, §5.2).
  err('InvalidParameter', 400, 'The specified resource does not exist.')
export const listenerNotFound = (): SlbError =>
  err('ListenerNotFound', 404, 'You have not created a listener for the specified port of the load balancer.')
export const loadBalancerLocked = (): SlbError => err('ActionNotAllowed', 400, 'Locked for any Business Reason.')
export const healthCheckReqInvalid = (): SlbError =>
  err('InvalidParamLength.HealthCheckReq', 400, 'The length of the parameter HealthCheckReq is invalid.')
export const healthCheckExpInvalid = (): SlbError =>
  err('InvalidParamLength.HealthCheckExp', 400, 'The length of the parameter HealthCheckExp is invalid.')
