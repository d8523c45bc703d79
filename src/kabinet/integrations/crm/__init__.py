"""CRM providers (the contract is :mod:`kabinet.core.providers.crm`): ``memory``, ``bitrix24``, ``amocrm``."""
