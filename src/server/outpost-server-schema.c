/* outpost-server-schema.c: the demo organization's schema. It mirrors the standard Dataverse
 * tables the client's default profile uses (logical names, entity sets, primary ids, the usual
 * columns and types), so metadata queries answer as a real org would. Activities use
 * "activityid" as their primary id, as Dataverse does. Each table is one SQLite table with the
 * primary id as TEXT PRIMARY KEY, a "versionnumber" row version and, for each lookup, a second
 * column "<name>_t" that holds the target's logical name (lookups may be polymorphic). */
#include "config.h"

#include "outpost-server-private.h"

#include <string.h>

static const OsOption state_active[] = { { 0, "Active" }, { 1, "Inactive" }, { 0, NULL } };
/* Status reasons carry the statecode they belong to, as Dataverse's StatusOptionMetadata.State. */
static const OsOption status_active[] = { { 1, "Active", 0 }, { 2, "Inactive", 1 }, { 0, NULL } };
static const OsOption state_lead[] = { { 0, "Open" }, { 1, "Qualified" }, { 2, "Disqualified" }, { 0, NULL } };
static const OsOption status_lead[] = { { 1, "New", 0 }, { 2, "Contacted", 0 }, { 3, "Qualified", 1 },
                                        { 4, "Lost", 2 }, { 5, "Cannot Contact", 2 },
                                        { 6, "No Longer Interested", 2 }, { 7, "Canceled", 2 }, { 0, NULL } };
static const OsOption state_opp[] = { { 0, "Open" }, { 1, "Won" }, { 2, "Lost" }, { 0, NULL } };
static const OsOption status_opp[] = { { 1, "In Progress", 0 }, { 2, "On Hold", 0 }, { 3, "Won", 1 },
                                       { 4, "Canceled", 2 }, { 5, "Out-Sold", 2 }, { 0, NULL } };
static const OsOption state_activity[] = { { 0, "Open" }, { 1, "Completed" }, { 2, "Canceled" },
                                           { 0, NULL } };
static const OsOption state_appointment[] = { { 0, "Open" }, { 1, "Completed" }, { 2, "Canceled" },
                                              { 3, "Scheduled" }, { 0, NULL } };
static const OsOption status_task[] = { { 2, "Not Started", 0 }, { 3, "In Progress", 0 },
                                        { 4, "Waiting on someone else", 0 }, { 5, "Completed", 1 },
                                        { 6, "Canceled", 2 }, { 7, "Deferred", 0 }, { 0, NULL } };
static const OsOption status_phonecall[] = { { 1, "Open", 0 }, { 2, "Made", 1 }, { 3, "Canceled", 2 },
                                             { 4, "Received", 1 }, { 0, NULL } };
static const OsOption status_appointment[] = { { 1, "Free", 0 }, { 2, "Tentative", 0 }, { 3, "Completed", 1 },
                                               { 4, "Canceled", 2 }, { 5, "Busy", 3 },
                                               { 6, "Out of Office", 3 }, { 0, NULL } };
static const OsOption status_email[] = { { 1, "Draft", 0 }, { 2, "Completed", 1 }, { 3, "Sent", 1 },
                                         { 4, "Received", 1 }, { 5, "Canceled", 2 }, { 6, "Pending Send", 1 },
                                         { 7, "Sending", 1 }, { 8, "Failed", 0 }, { 0, NULL } };
static const OsOption industry[] = {
  { 1, "Accounting" }, { 2, "Agriculture and Non-petrol Natural Resource Extraction" },
  { 3, "Broadcasting Printing and Publishing" }, { 4, "Brokers" }, { 5, "Building Supply Retail" },
  { 6, "Business Services" }, { 7, "Consulting" }, { 8, "Consumer Services" },
  { 9, "Design, Direction and Creative Management" }, { 10, "Distributors, Dispatchers and Processors" },
  { 11, "Doctor's Offices and Clinics" }, { 12, "Durable Manufacturing" }, { 13, "Eating and Drinking Places" },
  { 14, "Entertainment Retail" }, { 15, "Equipment Rental and Leasing" }, { 16, "Financial" },
  { 17, "Food and Tobacco Processing" }, { 18, "Inbound Capital Intensive Processing" },
  { 19, "Inbound Repair and Services" }, { 20, "Insurance" }, { 21, "Legal Services" },
  { 22, "Non-Durable Merchandise Retail" }, { 23, "Outbound Consumer Service" },
  { 24, "Petrochemical Extraction and Distribution" }, { 25, "Service Retail" }, { 26, "SIG Affiliations" },
  { 27, "Social Services" }, { 28, "Special Outbound Trade Contractors" }, { 29, "Specialty Realty" },
  { 30, "Transportation" }, { 31, "Utility Creation and Distribution" }, { 32, "Vehicle Retail" },
  { 33, "Wholesale" }, { 0, NULL } };
static const OsOption account_category[] = { { 1, "Preferred Customer" }, { 2, "Standard" }, { 0, NULL } };
static const OsOption priority[] = { { 0, "Low" }, { 1, "Normal" }, { 2, "High" }, { 0, NULL } };
static const OsOption lead_source[] = { { 1, "Advertisement" }, { 2, "Employee Referral" },
                                        { 3, "External Referral" }, { 4, "Partner" }, { 5, "Public Relations" },
                                        { 6, "Seminar" }, { 7, "Trade Show" }, { 8, "Web" },
                                        { 9, "Word of Mouth" }, { 10, "Other" }, { 0, NULL } };
static const OsOption rating[] = { { 1, "Hot" }, { 2, "Warm" }, { 3, "Cold" }, { 0, NULL } };
static const OsOption webresource_type[] = { { 1, "Webpage (HTML)" }, { 2, "Style Sheet (CSS)" },
                                             { 3, "Script (JScript)" }, { 4, "Data (XML)" },
                                             { 5, "PNG format" }, { 0, NULL } };
static const OsOption gender[] = { { 1, "Male" }, { 2, "Female" }, { 0, NULL } };
static const OsOption contact_method[] = { { 1, "Any" }, { 2, "Email" }, { 3, "Phone" }, { 4, "Fax" },
                                           { 5, "Mail" }, { 0, NULL } };
/* A custom multi-select choice, with the 100000000 option values of a publisher prefix "new". */
static const OsOption interests[] = { { 100000000, "Hardware" }, { 100000001, "Software" },
                                      { 100000002, "Services" }, { 100000003, "Training" }, { 0, NULL } };
static const OsOption sales_stage[] = { { 0, "Qualify" }, { 1, "Develop" }, { 2, "Propose" }, { 3, "Close" },
                                        { 0, NULL } };

#define RO OS_ATTR_READONLY
/* statecode: the platform sets it on create (IsValidForCreate false), a PATCH may change it.
 * Business-required columns are ApplicationRequired, as in Dataverse; the server still
 * enforces them on create (see os_attr_is_required). */
#define STATECODE(options) { "statecode", OS_TYPE_STATE, 0, "SystemRequired", NULL, options, OS_ATTR_NO_CREATE }
#define SYSTEM_ATTRS \
  { "createdon", OS_TYPE_DATETIME, 0, "None", NULL, NULL, RO }, \
  { "modifiedon", OS_TYPE_DATETIME, 0, "None", NULL, NULL, RO }, \
  { "createdby", OS_TYPE_LOOKUP, 0, "None", "systemuser", NULL, RO }, \
  { "modifiedby", OS_TYPE_LOOKUP, 0, "None", "systemuser", NULL, RO }, \
  { "ownerid", OS_TYPE_OWNER, 0, "SystemRequired", "systemuser", NULL, 0 }, \
  { "versionnumber", OS_TYPE_BIGINT, 0, "None", NULL, NULL, RO }, \
  { NULL, 0, 0, NULL, NULL, NULL, 0 }

#define REGARDING "account,contact,lead,opportunity"
#define NOTE_OBJECTS REGARDING ",task,phonecall,appointment,email"

static const OsAttribute account_attrs[] = {
  { "accountid", OS_TYPE_GUID, 0, "SystemRequired", NULL, NULL, 0 },
  { "name", OS_TYPE_STRING, 160, "ApplicationRequired", NULL, NULL, 0 },
  { "accountnumber", OS_TYPE_STRING, 20, "None", NULL, NULL, 0 },
  { "telephone1", OS_TYPE_STRING, 50, "None", NULL, NULL, 0 },
  { "telephone2", OS_TYPE_STRING, 50, "None", NULL, NULL, 0 },
  { "fax", OS_TYPE_STRING, 50, "None", NULL, NULL, 0 },
  { "emailaddress1", OS_TYPE_STRING, 100, "None", NULL, NULL, 0 },
  { "websiteurl", OS_TYPE_STRING, 200, "None", NULL, NULL, 0 },
  { "address1_line1", OS_TYPE_STRING, 250, "None", NULL, NULL, 0 },
  { "address1_line2", OS_TYPE_STRING, 250, "None", NULL, NULL, 0 },
  { "address1_city", OS_TYPE_STRING, 80, "None", NULL, NULL, 0 },
  { "address1_stateorprovince", OS_TYPE_STRING, 50, "None", NULL, NULL, 0 },
  { "address1_postalcode", OS_TYPE_STRING, 20, "None", NULL, NULL, 0 },
  { "address1_country", OS_TYPE_STRING, 80, "None", NULL, NULL, 0 },
  { "industrycode", OS_TYPE_PICKLIST, 0, "None", NULL, industry, 0 },
  { "accountcategorycode", OS_TYPE_PICKLIST, 0, "None", NULL, account_category, 0 },
  { "revenue", OS_TYPE_MONEY, 0, "None", NULL, NULL, 0 },
  { "numberofemployees", OS_TYPE_INTEGER, 0, "None", NULL, NULL, 0 },
  { "description", OS_TYPE_MEMO, 2000, "None", NULL, NULL, 0 },
  { "primarycontactid", OS_TYPE_LOOKUP, 0, "None", "contact", NULL, 0 },
  { "parentaccountid", OS_TYPE_LOOKUP, 0, "None", "account", NULL, 0 },
  { "creditonhold", OS_TYPE_BOOLEAN, 0, "None", NULL, NULL, 0 },
  STATECODE (state_active),
  { "statuscode", OS_TYPE_STATUS, 0, "None", NULL, status_active, 0 },
  SYSTEM_ATTRS
};

static const OsAttribute contact_attrs[] = {
  { "contactid", OS_TYPE_GUID, 0, "SystemRequired", NULL, NULL, 0 },
  { "firstname", OS_TYPE_STRING, 50, "Recommended", NULL, NULL, 0 },
  { "lastname", OS_TYPE_STRING, 50, "ApplicationRequired", NULL, NULL, 0 },
  { "fullname", OS_TYPE_STRING, 160, "None", NULL, NULL, RO | OS_ATTR_COMPUTED },
  { "jobtitle", OS_TYPE_STRING, 100, "None", NULL, NULL, 0 },
  { "emailaddress1", OS_TYPE_STRING, 100, "None", NULL, NULL, 0 },
  { "telephone1", OS_TYPE_STRING, 50, "None", NULL, NULL, 0 },
  { "mobilephone", OS_TYPE_STRING, 50, "None", NULL, NULL, 0 },
  { "address1_line1", OS_TYPE_STRING, 250, "None", NULL, NULL, 0 },
  { "address1_city", OS_TYPE_STRING, 80, "None", NULL, NULL, 0 },
  { "address1_postalcode", OS_TYPE_STRING, 20, "None", NULL, NULL, 0 },
  { "address1_country", OS_TYPE_STRING, 80, "None", NULL, NULL, 0 },
  { "birthdate", OS_TYPE_DATEONLY, 0, "None", NULL, NULL, 0 },
  { "gendercode", OS_TYPE_PICKLIST, 0, "None", NULL, gender, 0 },
  { "preferredcontactmethodcode", OS_TYPE_PICKLIST, 0, "None", NULL, contact_method, 0 },
  { "new_interests", OS_TYPE_MULTIPICKLIST, 0, "None", NULL, interests, 0 },
  { "donotemail", OS_TYPE_BOOLEAN, 0, "None", NULL, NULL, 0 },
  { "parentcustomerid", OS_TYPE_CUSTOMER, 0, "None", "account,contact", NULL, 0 },
  { "description", OS_TYPE_MEMO, 2000, "None", NULL, NULL, 0 },
  STATECODE (state_active),
  { "statuscode", OS_TYPE_STATUS, 0, "None", NULL, status_active, 0 },
  SYSTEM_ATTRS
};

static const OsAttribute lead_attrs[] = {
  { "leadid", OS_TYPE_GUID, 0, "SystemRequired", NULL, NULL, 0 },
  { "subject", OS_TYPE_STRING, 300, "None", NULL, NULL, 0 },
  { "firstname", OS_TYPE_STRING, 50, "Recommended", NULL, NULL, 0 },
  { "lastname", OS_TYPE_STRING, 50, "ApplicationRequired", NULL, NULL, 0 },
  { "fullname", OS_TYPE_STRING, 160, "None", NULL, NULL, RO | OS_ATTR_COMPUTED },
  { "companyname", OS_TYPE_STRING, 100, "None", NULL, NULL, 0 },
  { "jobtitle", OS_TYPE_STRING, 100, "None", NULL, NULL, 0 },
  { "emailaddress1", OS_TYPE_STRING, 100, "None", NULL, NULL, 0 },
  { "telephone1", OS_TYPE_STRING, 50, "None", NULL, NULL, 0 },
  { "mobilephone", OS_TYPE_STRING, 50, "None", NULL, NULL, 0 },
  { "address1_city", OS_TYPE_STRING, 80, "None", NULL, NULL, 0 },
  { "leadsourcecode", OS_TYPE_PICKLIST, 0, "None", NULL, lead_source, 0 },
  { "leadqualitycode", OS_TYPE_PICKLIST, 0, "None", NULL, rating, 0 },
  { "estimatedvalue", OS_TYPE_MONEY, 0, "None", NULL, NULL, 0 },
  { "revenue", OS_TYPE_MONEY, 0, "None", NULL, NULL, 0 },
  { "numberofemployees", OS_TYPE_INTEGER, 0, "None", NULL, NULL, 0 },
  { "description", OS_TYPE_MEMO, 2000, "None", NULL, NULL, 0 },
  STATECODE (state_lead),
  { "statuscode", OS_TYPE_STATUS, 0, "None", NULL, status_lead, 0 },
  SYSTEM_ATTRS
};

static const OsAttribute opportunity_attrs[] = {
  { "opportunityid", OS_TYPE_GUID, 0, "SystemRequired", NULL, NULL, 0 },
  { "name", OS_TYPE_STRING, 300, "ApplicationRequired", NULL, NULL, 0 },
  { "customerid", OS_TYPE_CUSTOMER, 0, "None", "account,contact", NULL, 0 },
  { "parentaccountid", OS_TYPE_LOOKUP, 0, "None", "account", NULL, 0 },
  { "parentcontactid", OS_TYPE_LOOKUP, 0, "None", "contact", NULL, 0 },
  { "estimatedvalue", OS_TYPE_MONEY, 0, "None", NULL, NULL, 0 },
  { "estimatedclosedate", OS_TYPE_DATEONLY, 0, "None", NULL, NULL, 0 },
  { "closeprobability", OS_TYPE_INTEGER, 0, "None", NULL, NULL, 0 },
  { "opportunityratingcode", OS_TYPE_PICKLIST, 0, "None", NULL, rating, 0 },
  { "salesstagecode", OS_TYPE_PICKLIST, 0, "None", NULL, sales_stage, 0 },
  { "description", OS_TYPE_MEMO, 2000, "None", NULL, NULL, 0 },
  STATECODE (state_opp),
  { "statuscode", OS_TYPE_STATUS, 0, "None", NULL, status_opp, 0 },
  SYSTEM_ATTRS
};

/* actualdurationminutes and actualend exist on every activity in Dataverse. */
#define ACTIVITY_ATTRS(state_options, status_options) \
  { "activityid", OS_TYPE_GUID, 0, "SystemRequired", NULL, NULL, 0 }, \
  { "subject", OS_TYPE_STRING, 200, "ApplicationRequired", NULL, NULL, 0 }, \
  { "description", OS_TYPE_MEMO, 100000, "None", NULL, NULL, 0 }, \
  { "scheduledstart", OS_TYPE_DATETIME, 0, "None", NULL, NULL, 0 }, \
  { "scheduledend", OS_TYPE_DATETIME, 0, "None", NULL, NULL, 0 }, \
  { "regardingobjectid", OS_TYPE_LOOKUP, 0, "None", REGARDING, NULL, 0 }, \
  { "actualend", OS_TYPE_DATETIME, 0, "None", NULL, NULL, 0 }, \
  { "actualdurationminutes", OS_TYPE_INTEGER, 0, "None", NULL, NULL, 0 }, \
  { "prioritycode", OS_TYPE_PICKLIST, 0, "None", NULL, priority, 0 }, \
  STATECODE (state_options), \
  { "statuscode", OS_TYPE_STATUS, 0, "None", NULL, status_options, 0 }

static const OsAttribute task_attrs[] = {
  ACTIVITY_ATTRS (state_activity, status_task),
  { "percentcomplete", OS_TYPE_INTEGER, 0, "None", NULL, NULL, 0 },
  SYSTEM_ATTRS
};

static const OsAttribute phonecall_attrs[] = {
  ACTIVITY_ATTRS (state_activity, status_phonecall),
  { "phonenumber", OS_TYPE_STRING, 200, "None", NULL, NULL, 0 },
  { "directioncode", OS_TYPE_BOOLEAN, 0, "None", NULL, NULL, 0 },
  SYSTEM_ATTRS
};

static const OsAttribute appointment_attrs[] = {
  ACTIVITY_ATTRS (state_appointment, status_appointment),
  { "location", OS_TYPE_STRING, 200, "None", NULL, NULL, 0 },
  { "isalldayevent", OS_TYPE_BOOLEAN, 0, "None", NULL, NULL, 0 },
  SYSTEM_ATTRS
};

static const OsAttribute email_attrs[] = {
  ACTIVITY_ATTRS (state_activity, status_email),
  { "sender", OS_TYPE_STRING, 250, "None", NULL, NULL, 0 },
  { "torecipients", OS_TYPE_STRING, 500, "None", NULL, NULL, 0 },
  { "directioncode", OS_TYPE_BOOLEAN, 0, "None", NULL, NULL, 0 },
  SYSTEM_ATTRS
};

/* An email's sender and recipients (Dataverse's activityparty, reached from an email through
 * email_activity_parties): a party is a record (partyid) or only an address (addressused). */
static const OsOption participation_type[] = { { 1, "Sender" }, { 2, "To Recipient" }, { 3, "CC Recipient" },
                                               { 4, "BCC Recipient" }, { 0, NULL } };

static const OsAttribute activityparty_attrs[] = {
  { "activitypartyid", OS_TYPE_GUID, 0, "SystemRequired", NULL, NULL, 0 },
  { "activityid", OS_TYPE_LOOKUP, 0, "None", "email", NULL, 0 },
  { "partyid", OS_TYPE_LOOKUP, 0, "None", "contact,account,lead,systemuser", NULL, 0 },
  { "addressused", OS_TYPE_STRING, 320, "None", NULL, NULL, 0 },
  { "participationtypemask", OS_TYPE_PICKLIST, 0, "SystemRequired", NULL, participation_type, 0 },
  { "createdon", OS_TYPE_DATETIME, 0, "None", NULL, NULL, RO },
  { "versionnumber", OS_TYPE_BIGINT, 0, "None", NULL, NULL, RO },
  { NULL, 0, 0, NULL, NULL, NULL, 0 }
};

static const OsAttribute annotation_attrs[] = {
  { "annotationid", OS_TYPE_GUID, 0, "SystemRequired", NULL, NULL, 0 },
  { "subject", OS_TYPE_STRING, 500, "None", NULL, NULL, 0 },
  { "notetext", OS_TYPE_MEMO, 100000, "None", NULL, NULL, 0 },
  { "filename", OS_TYPE_STRING, 255, "None", NULL, NULL, 0 },
  { "mimetype", OS_TYPE_STRING, 256, "None", NULL, NULL, 0 },
  /* 5 MB of Base64 (organization.maxuploadfilesize) */
  { "documentbody", OS_TYPE_MEMO, 5242880, "None", NULL, NULL, 0 },
  { "filesize", OS_TYPE_INTEGER, 0, "None", NULL, NULL, RO | OS_ATTR_COMPUTED },
  { "isdocument", OS_TYPE_BOOLEAN, 0, "None", NULL, NULL, RO | OS_ATTR_COMPUTED },
  { "objectid", OS_TYPE_LOOKUP, 0, "None", NOTE_OBJECTS, NULL, 0 },
  SYSTEM_ATTRS
};

static const OsAttribute webresource_attrs[] = {
  { "webresourceid", OS_TYPE_GUID, 0, "SystemRequired", NULL, NULL, 0 },
  { "name", OS_TYPE_STRING, 256, "SystemRequired", NULL, NULL, 0 },
  { "displayname", OS_TYPE_STRING, 200, "None", NULL, NULL, 0 },
  { "webresourcetype", OS_TYPE_PICKLIST, 0, "None", NULL, webresource_type, 0 },
  { "content", OS_TYPE_MEMO, 10485760, "None", NULL, NULL, 0 },
  SYSTEM_ATTRS
};

static const OsAttribute systemuser_attrs[] = {
  { "systemuserid", OS_TYPE_GUID, 0, "SystemRequired", NULL, NULL, 0 },
  { "fullname", OS_TYPE_STRING, 200, "None", NULL, NULL, 0 },
  { "domainname", OS_TYPE_STRING, 1024, "SystemRequired", NULL, NULL, 0 },
  { "internalemailaddress", OS_TYPE_STRING, 100, "None", NULL, NULL, 0 },
  { "createdon", OS_TYPE_DATETIME, 0, "None", NULL, NULL, RO },
  { "modifiedon", OS_TYPE_DATETIME, 0, "None", NULL, NULL, RO },
  { "versionnumber", OS_TYPE_BIGINT, 0, "None", NULL, NULL, RO },
  { NULL, 0, 0, NULL, NULL, NULL, 0 }
};

static const OsEntity entities[] = {
  { "account", "accounts", "accountid", "name", "70816501-edb9-4740-a16c-6a5efbc05d84", TRUE,
    account_attrs, "accountleads_association", "lead" },
  { "contact", "contacts", "contactid", "fullname", "608861bc-50a4-4c5f-a02c-21fe1943e2cf", TRUE,
    contact_attrs, NULL, NULL },
  { "lead", "leads", "leadid", "fullname", "e2a2a5e6-9c9e-4e1b-8a1f-1a6ed4d1b9a1", TRUE,
    lead_attrs, "accountleads_association", "account" },
  { "opportunity", "opportunities", "opportunityid", "name", "3d5b7f5e-8a0c-4a3c-9a55-7b9b1e2c3d41", TRUE,
    opportunity_attrs, NULL, NULL },
  { "task", "tasks", "activityid", "subject", "7b2ad6a4-2a3b-4f5e-9c1d-8e7f6a5b4c32", TRUE,
    task_attrs, NULL, NULL },
  { "phonecall", "phonecalls", "activityid", "subject", "8c3be7b5-3b4c-4061-8d2e-9f8071625d43", TRUE,
    phonecall_attrs, NULL, NULL },
  /* Appointments and notes have change tracking disabled, as in many real orgs. */
  { "appointment", "appointments", "activityid", "subject", "9d4cf8c6-4c5d-4172-9e3f-a09182736e54", FALSE,
    appointment_attrs, NULL, NULL },
  { "email", "emails", "activityid", "subject", "ae5d09d7-5d6e-4283-af40-b1a293847f65", TRUE,
    email_attrs, NULL, NULL },
  { "annotation", "annotations", "annotationid", "subject", "bf6e1ae8-6e7f-4394-b051-c2b3a4958076", FALSE,
    annotation_attrs, NULL, NULL },
  { "webresource", "webresourceset", "webresourceid", "name", "c07f2bf9-7f80-44a5-8162-d3c4b5a69187", TRUE,
    webresource_attrs, NULL, NULL },
  { "systemuser", "systemusers", "systemuserid", "fullname", "e1803c0a-8091-45b6-9273-e4d5c6b7a298", TRUE,
    systemuser_attrs, NULL, NULL },
  { "activityparty", "activityparties", "activitypartyid", "addressused", "f2914d1b-91a2-46c7-a384-f5e6d7c8b9a3",
    FALSE, activityparty_attrs, NULL, NULL },
};

const OsEntity *
os_schema_entities (guint *n_entities)
{
  *n_entities = G_N_ELEMENTS (entities);
  return entities;
}

const OsEntity *
os_schema_by_set (const char *set_name)
{
  for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
    if (g_strcmp0 (entities[i].set_name, set_name) == 0)
      return &entities[i];
  return NULL;
}

const OsEntity *
os_schema_by_logical (const char *logical_name)
{
  for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
    if (g_strcmp0 (entities[i].logical_name, logical_name) == 0)
      return &entities[i];
  return NULL;
}

const OsAttribute *
os_schema_attr (const OsEntity *entity, const char *name)
{
  for (const OsAttribute *a = entity->attrs; a->name; a++)
    if (strcmp (a->name, name) == 0)
      return a;
  return NULL;
}

const char *
os_type_name (OsType type)
{
  static const char *names[] = {
    "StringType", "MemoType", "IntegerType", "BigIntType", "DecimalType", "MoneyType", "BooleanType",
    "DateTimeType", "DateTimeType", "PicklistType", "StateType", "StatusType", "LookupType",
    "CustomerType", "OwnerType", "UniqueidentifierType", "MultiSelectPicklistType",
  };
  return names[type];
}

const char *
os_type_edm (OsType type)
{
  static const char *names[] = {
    "Edm.String", "Edm.String", "Edm.Int32", "Edm.Int64", "Edm.Decimal", "Edm.Decimal", "Edm.Boolean",
    "Edm.DateTimeOffset", "Edm.Date", "Edm.Int32", "Edm.Int32", "Edm.Int32", "Edm.Guid",
    "Edm.Guid", "Edm.Guid", "Edm.Guid", "Edm.String",
  };
  return names[type];
}

gboolean
os_type_is_lookup (OsType type)
{
  return type == OS_TYPE_LOOKUP || type == OS_TYPE_CUSTOMER || type == OS_TYPE_OWNER;
}

gboolean
os_type_is_option (OsType type)
{
  return type == OS_TYPE_PICKLIST || type == OS_TYPE_STATE || type == OS_TYPE_STATUS;
}

gboolean
os_attr_has_options (const OsAttribute *attr)
{
  return os_type_is_option (attr->type) || attr->type == OS_TYPE_MULTIPICKLIST;
}

/* Enforced on create (and when a PATCH sets them to null). ApplicationRequired is a business
 * rule that real Dataverse leaves to forms; this server enforces it so that tests see the
 * client's mistakes (documented in README.md). */
gboolean
os_attr_is_required (const OsAttribute *attr)
{
  return strcmp (attr->required, "SystemRequired") == 0 || strcmp (attr->required, "ApplicationRequired") == 0;
}

gboolean
os_lookup_has_target (const OsAttribute *attr, const char *logical)
{
  g_auto(GStrv) targets = g_strsplit (attr->targets, ",", -1);
  return g_strv_contains ((const char * const *) targets, logical);
}

static const char *
sql_type (OsType type)
{
  switch (type)
    {
    case OS_TYPE_INTEGER: case OS_TYPE_BIGINT: case OS_TYPE_BOOLEAN:
    case OS_TYPE_PICKLIST: case OS_TYPE_STATE: case OS_TYPE_STATUS:
      return "INTEGER";
    case OS_TYPE_DECIMAL: case OS_TYPE_MONEY:
      return "REAL";
    default:
      return "TEXT";
    }
}

static char *
create_table_sql (const OsEntity *e)
{
  GString *sql = g_string_new ("CREATE TABLE IF NOT EXISTS ");
  os_sql_ident (sql, e->logical_name);
  g_string_append (sql, " (");
  for (const OsAttribute *a = e->attrs; a->name; a++)
    {
      if (a != e->attrs)
        g_string_append (sql, ", ");
      os_sql_ident (sql, a->name);
      g_string_append_printf (sql, " %s", sql_type (a->type));
      if (a == e->attrs)
        g_string_append (sql, " PRIMARY KEY NOT NULL");
      if (os_type_is_lookup (a->type))
        {
          g_autofree char *col = g_strconcat (a->name, "_t", NULL);
          g_string_append (sql, ", ");
          os_sql_ident (sql, col);
          g_string_append (sql, " TEXT");
        }
    }
  g_string_append_printf (sql, ");\nCREATE INDEX IF NOT EXISTS \"%s_version\" ON \"%s\" (versionnumber);\n",
                          e->logical_name, e->logical_name);
  return g_string_free (sql, FALSE);
}

static gboolean
has_column (sqlite3 *db, const char *table, const char *column)
{
  sqlite3_stmt *stmt = NULL;
  gboolean found = FALSE;

  sqlite3_prepare_v2 (db, "SELECT 1 FROM pragma_table_info(?) WHERE name = ?", -1, &stmt, NULL);
  sqlite3_bind_text (stmt, 1, table, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, column, -1, SQLITE_STATIC);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_finalize (stmt);
  return found;
}

/* A data directory made by an older build keeps its rows: columns added to the schema since
 * are added to its tables (empty), so --data DIR stays usable across upgrades. */
static gboolean
add_missing_columns (sqlite3 *db, const OsEntity *e, GError **error)
{
  for (const OsAttribute *a = e->attrs + 1; a->name; a++)
    {
      g_autoptr(GString) sql = NULL;
      if (has_column (db, e->logical_name, a->name))
        continue;
      sql = g_string_new ("ALTER TABLE ");
      os_sql_ident (sql, e->logical_name);
      g_string_append (sql, " ADD COLUMN ");
      os_sql_ident (sql, a->name);
      g_string_append_printf (sql, " %s", sql_type (a->type));
      if (os_type_is_lookup (a->type))
        {
          g_autofree char *col = g_strconcat (a->name, "_t", NULL);
          g_string_append (sql, "; ALTER TABLE ");
          os_sql_ident (sql, e->logical_name);
          g_string_append (sql, " ADD COLUMN ");
          os_sql_ident (sql, col);
          g_string_append (sql, " TEXT");
        }
      if (!os_sql_exec (db, sql->str, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
os_schema_create_tables (sqlite3 *db, GError **error)
{
  static const char *fixed =
    "CREATE TABLE IF NOT EXISTS os_deleted (entity TEXT NOT NULL, id TEXT NOT NULL, "
    "  versionnumber INTEGER NOT NULL);\n"
    "CREATE INDEX IF NOT EXISTS os_deleted_version ON os_deleted (entity, versionnumber);\n"
    "CREATE TABLE IF NOT EXISTS os_settings (key TEXT PRIMARY KEY, value TEXT);\n"
    "CREATE TABLE IF NOT EXISTS accountleads (accountid TEXT NOT NULL, leadid TEXT NOT NULL, "
    "  PRIMARY KEY (accountid, leadid));\n"
    "CREATE INDEX IF NOT EXISTS accountleads_lead ON accountleads (leadid);\n";

  if (!os_sql_exec (db, fixed, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
    {
      g_autofree char *sql = create_table_sql (&entities[i]);
      if (!os_sql_exec (db, sql, error) || !add_missing_columns (db, &entities[i], error))
        return FALSE;
    }
  return TRUE;
}

void
os_sql_ident (GString *out, const char *ident)
{
  /* Identifiers only ever come from the static schema above, but quote them anyway. */
  g_assert (ident != NULL);
  g_string_append_c (out, '"');
  for (const char *p = ident; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

gboolean
os_sql_exec (sqlite3 *db, const char *sql, GError **error)
{
  char *msg = NULL;
  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "SQL error: %s", msg ? msg : "?");
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

/* Seeded emails are mail an org already has: each gets a To party with its torecipients as
 * the address used (a real org's emails always have their parties). The party's id is derived
 * from the email's, so seeds stay deterministic. */
gboolean
os_schema_seed_parties (sqlite3 *db, GError **error)
{
  return os_sql_exec (db, "INSERT OR IGNORE INTO activityparty (activitypartyid, activityid, activityid_t,"
                      " addressused, participationtypemask, versionnumber)"
                      " SELECT 'a0a0a0a0' || substr(activityid, 9), activityid, 'email', torecipients, 2,"
                      " versionnumber FROM email WHERE coalesce(torecipients, '') <> '' AND NOT EXISTS"
                      " (SELECT 1 FROM activityparty p WHERE p.activityid = email.activityid)", error);
}
