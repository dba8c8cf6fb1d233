/**
 * The upload API as an AWS Lambda function: {@link dev.uplink.api.lambda.ApiGatewayHandler} turns
 * API Gateway HTTP API events (payload format 2.0) into HTTP/1.1 requests for the same application
 * the embedded server runs, through Jetty's in-memory connector, and its responses back into API
 * Gateway responses.
 */
package dev.uplink.api.lambda;
