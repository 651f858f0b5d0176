import { assembleCredentials, truthyFlag, type Credentials } from "./credentials.js";

/**
 * The credentials of the OS_* variables, as an openrc file sets them (OS_TENANT_NAME/OS_TENANT_ID
 * as old names of the project's, OS_ENDPOINT_TYPE of the interface). Used when no cloud is named.
 */
export function credentialsFromEnv(env: NodeJS.ProcessEnv, cwd: string, home: string): Credentials {
  const v = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value === "" ? undefined : value;
  };
  return assembleCredentials(
    {
      authType: v("OS_AUTH_TYPE"),
      identityApiVersion: v("OS_IDENTITY_API_VERSION"),
      authUrl: v("OS_AUTH_URL"),
      username: v("OS_USERNAME"),
      userId: v("OS_USER_ID"),
      password: v("OS_PASSWORD"),
      projectName: v("OS_PROJECT_NAME") ?? v("OS_TENANT_NAME"),
      projectId: v("OS_PROJECT_ID") ?? v("OS_TENANT_ID"),
      userDomainName: v("OS_USER_DOMAIN_NAME"),
      userDomainId: v("OS_USER_DOMAIN_ID"),
      projectDomainName: v("OS_PROJECT_DOMAIN_NAME"),
      projectDomainId: v("OS_PROJECT_DOMAIN_ID"),
      region: v("OS_REGION_NAME"),
      interface: v("OS_INTERFACE") ?? v("OS_ENDPOINT_TYPE"),
      cacert: v("OS_CACERT"),
      insecure: truthyFlag(v("OS_INSECURE")),
      notText: [],
    },
    {
      source: "the OS_* environment variables",
      names: {
        authType: "OS_AUTH_TYPE",
        identityApiVersion: "OS_IDENTITY_API_VERSION",
        authUrl: "OS_AUTH_URL",
        username: "OS_USERNAME",
        userId: "OS_USER_ID",
        password: "OS_PASSWORD",
        projectName: "OS_PROJECT_NAME",
        projectId: "OS_PROJECT_ID",
        userDomainName: "OS_USER_DOMAIN_NAME",
        userDomainId: "OS_USER_DOMAIN_ID",
        projectDomainName: "OS_PROJECT_DOMAIN_NAME",
        projectDomainId: "OS_PROJECT_DOMAIN_ID",
        region: "OS_REGION_NAME",
        interface: "OS_INTERFACE",
        cacert: "OS_CACERT",
      },
      howToFix:
        "set them (source the project's openrc file), or name a cloud of clouds.yaml (cloud: in frost's configuration, or OS_CLOUD)",
      authTypeWhere: "; unset OS_AUTH_TYPE or set it to password",
      cwd,
      home,
    },
  );
}
